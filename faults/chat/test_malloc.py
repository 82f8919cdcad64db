"""CHAT-017 (SHOULD): memory runs out while a client joins (libfiu's
libc/mm points switched on through its control FIFO, then off)."""
import pytest

from chat.chatclient import Client, close_all, joined
from chat.chatfaults import chat_round
from inject import Fiu, sanitizer_malloc
from osnet_harness.launch import describe_status
from osnet_harness.timeouts import T

POINTS = ["libc/mm/malloc", "libc/mm/calloc", "libc/mm/realloc"]


def preloaded(pid):
    """Is libfiu's libc wrapper (fiu_posix_preload.so) loaded in process pid?"""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "fiu_posix_preload" in f.read()
    except OSError:
        return True  # cannot tell: run the test


@pytest.mark.req("CHAT-017")
def test_malloc_fails_during_join(launcher, workdir):
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    if not preloaded(s.pid):
        pytest.skip("libfiu's preload library is not mapped into the program (a static binary, "
                    "or one that does not use the C library's malloc): the fault cannot reach it")
    if sanitizer_malloc(s.pid):
        pytest.skip(sanitizer_malloc(s.pid))
    cs = joined(s.addr, "sender", "w1", "w2")
    newbie = Client(s.addr, name="client 'newbie' (joins while malloc fails)")
    try:
        # Accepted and read by the server before the fault: an invalid nick.
        newbie.send("1x")
        newbie.expect("ERR nick-invalid")
        for p in POINTS:
            ctl.command(f"enable name={p}")
        try:
            newbie.send("newbie")
            first = newbie.read_line(T(10))
        finally:
            try:
                for p in POINTS:
                    ctl.command(f"disable name={p}")
            except AssertionError:
                # No one reads the control FIFO: the server is gone, or going
                # (its sockets close before it can be reaped). Said below.
                if s.wait_exit(T(5)) is None:
                    raise
        # A connection that ends may be the server refusing the client, or
        # the server dying: which one is only known once it has had time to
        # be reaped.
        if first is None and newbie.last_why in ("eof", "reset"):
            s.wait_exit(T(1))
        assert s.alive(), (f"the server died ({describe_status(s.proc.returncode)}) when malloc "
                           f"failed during a join\n" + s.stderr_block())
        if first is None and newbie.last_why not in ("eof", "reset"):
            raise AssertionError(f"a client joining while malloc failed got no answer "
                                 f"({newbie.last_why}): expected WELCOME newbie, ERR server-busy "
                                 f"or a closed connection\n" + s.stderr_block())
        welcomed = first == b"WELCOME newbie"
        assert first in (b"WELCOME newbie", b"ERR server-busy", None), (
            f"a client joining while malloc failed got {first!r}: expected WELCOME newbie, "
            f"ERR server-busy or a closed connection")
        cs[0].send("after")
        stay = cs[1:] + ([newbie] if welcomed else [])
        for w in stay:
            want = ([b"JOIN newbie"] if welcomed and w is not newbie else []) + [b"MSG sender after"]
            got = []
            for _ in want:
                l = w.read_line(T(15))
                if l is None:
                    break
                got.append(l)
            if got != want and not (not got and w.eof == "eof" and w is not newbie):
                raise AssertionError(
                    f"{w.name}: after malloc failed during a join "
                    f"({'joined' if welcomed else 'refused'}), expected {want} or a closed "
                    f"connection, got {got} then {w.eof or w.last_why}: a connected client must "
                    f"miss no line\n" + s.stderr_block())
        chat_round(s, "after malloc failed during a join")
    finally:
        close_all(cs + [newbie])
