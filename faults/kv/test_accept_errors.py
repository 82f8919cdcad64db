"""KV-080: accept failing. A real EMFILE (the program's RLIMIT_NOFILE
lowered while it runs, then more clients than it has descriptors for), and
ECONNABORTED and ENFILE from libfiu plus our shim (osnet/net/accept4 and
osnet/net/accept), at random or on every call for a while."""
import errno
import resource
import time

import pytest

from inject import Fiu
from kvfaults import Closed, Conn, NoReply, Status, expect, fail_note, serves, show
from osnet_harness.net import connect_many
from osnet_harness.timeouts import T

HEADROOM = 32   # descriptors the program may open beyond what it uses with two clients
CLIENTS = 80    # more than that: accept fails with EMFILE


def pings(server, socks, what):
    """Every socket of socks sends PING, then every one must read +PONG."""
    for s in socks:
        s.sendall(b"PING\r\n")
    for i, s in enumerate(socks):
        s.settimeout(T(30))
        got = b""
        try:
            while not got.endswith(b"\r\n"):
                chunk = s.recv(64)
                if not chunk:
                    break
                got += chunk
        except OSError as e:
            got += f" ({type(e).__name__}: {e})".encode()
        if got != b"+PONG\r\n":
            raise AssertionError(f"{what}: client {i + 1} of {len(socks)} sent PING and read "
                                 f"{got!r}, expected +PONG" + fail_note(server))


@pytest.mark.req("KV-080")
def test_emfile_keeps_serving_and_recovers(launcher):
    """Expectation: two clients a and b are connected; the program's
    RLIMIT_NOFILE (soft limit) is then set to the descriptors it holds plus
    32, and 80 more clients connect (the kernel completes every
    connection; the program runs out of descriptors accepting them:
    EMFILE). Meanwhile a's SET is answered +OK and b's GET of that key
    answers the value. The 80 leave; a new client can SET and GET. Again
    80 connect; then the limit is raised back to what it was: each of the
    80, those accepted before and those the kernel held waiting, sends
    PING and reads +PONG. The program never exits."""
    s = launcher.start()
    a, b = Conn(s.addr), Conn(s.addr)
    crowd = []
    try:
        expect(a, ("PING",), Status("PONG"), "before any fault, client a", s)
        expect(b, ("PING",), Status("PONG"), "before any fault, client b", s)
        # Only the soft limit comes down, so that raising it back needs no
        # privilege (the hard limit stays as it was).
        before = resource.prlimit(s.pid, resource.RLIMIT_NOFILE)
        limit = s.open_fds() + HEADROOM
        resource.prlimit(s.pid, resource.RLIMIT_NOFILE, (limit, before[1]))
        what = (f"while {CLIENTS} clients exceed the program's {limit}-descriptor limit "
                f"(accept fails with EMFILE)")
        for episode in (1, 2):
            crowd = connect_many(s.addr, CLIENTS, timeout=T(30))
            val = f"value-{episode}".encode()
            expect(a, ("SET", "emfile", val), Status("OK"),
                   f"{what}, episode {episode}: client a, connected before", s)
            expect(b, ("GET", "emfile"), val,
                   f"{what}, episode {episode}: client b, connected before", s)
            if episode == 1:
                for c in crowd:
                    c.close()
                crowd = []
                serves(s, f"after {CLIENTS} clients exhausted the program's {limit} descriptors "
                          f"and left")
                continue
            resource.prlimit(s.pid, resource.RLIMIT_NOFILE, before)
            pings(s, crowd, f"{CLIENTS} clients connected while accept failed with EMFILE, "
                            f"then the descriptor limit was raised back to {before[0]}")
        expect(a, ("GET", "emfile"), b"value-2", "at the end, client a", s)
    finally:
        for c in crowd:
            c.close()
        a.close()
        b.close()
    assert s.alive(), "the program exited after running out of descriptors" + fail_note(s)


@pytest.mark.req("KV-080")
@pytest.mark.parametrize("err", ["ECONNABORTED", "ENFILE"])
def test_random_accept_failures(launcher, workdir, err):
    """Expectation: under fiu-run, half of the accept4 and accept calls fail
    with `err` (the shim leaves the connection in the kernel's queue, as a
    real EMFILE does). Twelve new clients one after another each SET a key
    and GET it back: every one is answered. Then a client connected before
    sends PING and reads +PONG; the program never exits. Skipped when no
    accept call went through the C library."""
    code = getattr(errno, err)
    fiu = Fiu(workdir, enable=[
        f"enable_random name=osnet/net/accept4,probability=0.5,failinfo={code}",
        f"enable_random name=osnet/net/accept,probability=0.5,failinfo={code}"])
    s = launcher.start(wrap=fiu.wrap())
    with Conn(s.addr) as old:
        for i in range(12):
            serves(s, f"while half of the accept calls failed with {err}, new client {i + 1} "
                      f"of 12")
        expect(old, ("PING",), Status("PONG"), f"after accept failed with {err}, a client "
               f"connected before", s)
    if not fiu.fired():
        pytest.skip("no accept or accept4 call went through the C library (io_uring or raw "
                    "system calls), so libfiu had nothing to fail")
    assert s.alive(), f"the program exited after accept failed with {err}" + fail_note(s)


@pytest.mark.req("KV-080")
def test_accept_fails_for_a_while_then_works(launcher, workdir):
    """Expectation: under fiu-run with a control FIFO, client a is
    connected. Then every accept4 and accept call fails with ENFILE. A new
    client w connects (the kernel completes it) and sends PING; once the
    shim reports that an accept failed, a's SET and GET are still answered.
    The fault is switched off: without anything else happening, w reads
    +PONG within 15 s (the program tries again by itself, not only when
    another connection closes), and a new client can SET and GET. Skipped
    when no accept call went through the C library."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    points = ("osnet/net/accept4", "osnet/net/accept")
    with Conn(s.addr) as a:
        expect(a, ("PING",), Status("PONG"), "before any fault, client a", s)
        for p in points:
            ctl.command(f"enable name={p},failinfo={errno.ENFILE}")
        on = True
        try:
            w = Conn(s.addr)
            try:
                w.send_raw(b"PING\r\n")
                deadline = time.monotonic() + T(5)
                while not fiu.fired() and time.monotonic() < deadline:
                    time.sleep(0.02)
                if not fiu.fired():
                    for p in points:
                        ctl.command(f"disable name={p}")
                    on = False
                    pytest.skip("no accept or accept4 call went through the C library within "
                                f"{T(5):.0f}s of a new connection (io_uring or raw system "
                                "calls), so libfiu had nothing to fail")
                what = "while every accept call failed with ENFILE"
                expect(a, ("SET", "enfile", "1"), Status("OK"), f"{what}, client a", s)
                expect(a, ("GET", "enfile"), b"1", f"{what}, client a", s)
                for p in points:
                    ctl.command(f"disable name={p}")
                on = False
                try:
                    got = w.reply(timeout=T(15))
                except (Closed, NoReply) as e:
                    raise AssertionError(f"a client that connected while every accept failed "
                                         f"with ENFILE sent PING; after the fault was switched "
                                         f"off it got no reply ({e}): the program does not "
                                         f"try to accept again by itself" + fail_note(s)) \
                        from None
                if got != Status("PONG"):
                    raise AssertionError(f"a client that connected while every accept failed "
                                         f"sent PING and read {show(got)}" + fail_note(s))
            finally:
                w.close()
        finally:
            if on and s.alive():
                for p in points:
                    ctl.command(f"disable name={p}")
        serves(s, "after accept failed with ENFILE for a while")
        expect(a, ("GET", "enfile"), b"1", "at the end, client a", s)
