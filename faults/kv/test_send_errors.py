"""KV-082: sending to one client fails. Real resets of clients that hold
unread replies; one send failing with EPIPE or ECONNRESET (libfiu's
runtime control, our shim's osnet/net/send, once); and sends that move
half of what they are given (the shim's short points, at random)."""
import os
import time

import pytest

from inject import Fiu, fd_count, in_thread, wait_fds_at_most
from kvfaults import Closed, Conn, NoReply, Status, encode, expect, fail_note, serves, show
from osnet_harness.timeouts import T

VALUE = 256 << 10   # the value the non-reading clients ask for
GETS = 32           # ... that many times each: 8 MiB of replies waiting
VICTIMS = 5


def _wait(cond, timeout):
    """Poll cond() until it is true; whether it became so within timeout."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.req("KV-082")
def test_resets_with_unread_replies(launcher):
    """Expectation: a 256 KiB value is stored, and two clients (watchers)
    are connected. Five clients with 4 KiB receive buffers each send 32
    GETs of the value in one write and read nothing: the program has 8 MiB
    of replies for each and can send only a little. Once each has received
    some of its replies, a watcher's SET and GET are answered (a client
    that does not read holds nobody up). The five reset their connections
    (RST) at once, so the program's sends to them fail (ECONNRESET, EPIPE;
    SIGPIPE if it neither ignores it nor uses MSG_NOSIGNAL). Then both
    watchers GET the value intact, a new client can SET and GET, the
    program runs, and it holds no more descriptors than before the five
    came (their connections were closed). Twice."""
    s = launcher.start()
    val = os.urandom(VALUE)
    w1, w2 = Conn(s.addr), Conn(s.addr)
    try:
        expect(w1, ("SET", "big", val), Status("OK"), "before any fault, watcher 1", s)
        expect(w2, ("GET", "big"), val, "before any fault, watcher 2", s)
        base = fd_count(s)
        for episode in (1, 2):
            what = (f"episode {episode}: {VICTIMS} clients that asked for {GETS} x "
                    f"{VALUE >> 10} KiB and read nothing")
            victims = [Conn(s.addr, rcvbuf=4096) for _ in range(VICTIMS)]
            try:
                for v in victims:
                    v.send_raw(encode("GET", "big") * GETS)
                for i, v in enumerate(victims):
                    if not _wait(lambda: v.unread() > 0, T(15)):
                        raise AssertionError(f"{what}: client {i + 1} got no byte of its "
                                             f"replies within {T(15):.0f}s" + fail_note(s))
                expect(w1, ("SET", f"w{episode}", "x"), Status("OK"),
                       f"{what}, watcher 1 (they hold it up?)", s)
                expect(w2, ("GET", f"w{episode}"), b"x", f"{what}, watcher 2", s)
            finally:
                for v in victims:
                    v.reset()
            what = f"episode {episode}: after {VICTIMS} clients with unread replies reset"
            expect(w1, ("GET", "big"), val, f"{what}, watcher 1", s)
            expect(w2, ("GET", "big"), val, f"{what}, watcher 2", s)
            serves(s, what)
            n, ok = wait_fds_at_most(s, base, T(10))
            if not ok:
                raise AssertionError(f"{what}: the program holds {n} descriptors, {base} before "
                                     f"they came: the reset connections are left open"
                                     + fail_note(s))
    finally:
        w1.close()
        w2.close()
    assert s.alive(), "the program exited after clients reset" + fail_note(s)


@pytest.mark.req("KV-082")
@pytest.mark.parametrize("err", [32, 104], ids=["EPIPE", "ECONNRESET"])
def test_one_send_fails(launcher, workdir, err):
    """Expectation: under fiu-run with a control FIFO, a key is stored and
    four clients are connected and idle. The next send or write on a socket
    is made to fail, once, with `err` (the shim's osnet/net/send, onetime);
    then one client (the victim) sends GET: its reply is the send that
    fails. The program closes the victim's connection (it reads end of
    file, never a reply: after a failed send the program cannot know what
    reached the peer), and the three others are served as before (GET of
    the key, SET and GET of a new one), as is a new client. Skipped when no
    send on a socket went through the C library."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    cs = [Conn(s.addr) for _ in range(4)]
    try:
        for i, c in enumerate(cs):
            expect(c, ("SET", f"k{i}", f"v{i}"), Status("OK"), f"before any fault, client {i}",
                   s)
        victim, others = cs[0], cs[1:]
        ctl.command(f"enable name=osnet/net/send,failinfo={err},onetime")
        victim.send_raw(encode("GET", "k0"))
        try:
            got = victim.reply(timeout=T(15))
        except (Closed, NoReply) as e:
            got = e
        if not fiu.fired():
            pytest.skip("no send or write on a socket went through the C library (sendmsg, "
                        "writev, io_uring or raw system calls), so the shim could not fail one")
        if not isinstance(got, Closed):
            raise AssertionError(
                f"the program's send of the reply to GET failed with errno {err} "
                f"({os.strerror(err)}): that client's connection should be closed (end of "
                f"file, no reply); it got " + (f"{show(got)}" if not isinstance(got, Exception)
                                               else f"nothing ({got})") + fail_note(s))
        what = f"after a send to another client failed with errno {err}"
        for i, c in enumerate(others, 1):
            expect(c, ("GET", f"k{i}"), f"v{i}".encode(), f"{what}, client {i}", s)
            expect(c, ("SET", f"n{i}", "new"), Status("OK"), f"{what}, client {i}", s)
            expect(c, ("GET", f"n{i}"), b"new", f"{what}, client {i}", s)
        serves(s, what)
    finally:
        for c in cs:
            c.close()
    assert s.alive(), f"the program exited after a send failed with errno {err}" + fail_note(s)


@pytest.mark.req("KV-082")
def test_short_sends(launcher, workdir):
    """Expectation: under fiu-run, half of the program's send and write
    calls on sockets move only half of what they are given (the shim's
    osnet/net/send/short and osnet/net/write/short, at random). A 1 MiB
    value is SET, and 50 INCRs one at a time get :1 to :50; then three
    clients at once each send 300 commands in one
    write (SET, GET of the 1 MiB value, INCR, GET of a small key) and read
    every reply: each is exact and in order. Skipped when no send went
    through the C library."""
    fiu = Fiu(workdir, enable=[
        "enable_random name=osnet/net/send/short,probability=0.5",
        "enable_random name=osnet/net/write/short,probability=0.5"])
    s = launcher.start(wrap=fiu.wrap())
    big = os.urandom(1 << 20)
    with Conn(s.addr) as c:
        expect(c, ("SET", "big", big), Status("OK"), "while sends were short", s)
        # One at a time first: each reply a send or write of its own.
        for i in range(50):
            expect(c, ("INCR", "one"), i + 1, "while sends were short, one INCR at a time", s)

    def client(k):
        with Conn(s.addr) as c:
            cmds, want = [], []
            for i in range(75):
                cmds += [encode("SET", f"c{k}:{i}", f"v{i}"), encode("GET", "big"),
                         encode("INCR", f"c{k}:ctr"), encode("GET", f"c{k}:{i}")]
                want += [Status("OK"), big, i + 1, f"v{i}".encode()]
            c.send_raw(b"".join(cmds))
            for j, w in enumerate(want):
                got = c.reply(timeout=T(30))
                if got != w or type(got) is not type(w):
                    return f"client {k}, reply {j + 1} of {len(want)}: {show(got)}, expected " \
                           f"{show(w)}"
        return None

    runs = [in_thread(lambda k=k: client(k)) for k in range(3)]
    for t, _ in runs:
        t.join(T(120))
    for k, (t, box) in enumerate(runs):
        if t.is_alive():
            raise AssertionError(f"while half of the sends were short, client {k} did not get "
                                 f"its 300 replies within {T(120):.0f}s" + fail_note(s))
        if "error" in box:
            raise AssertionError(f"while half of the sends were short, client {k}: "
                                 f"{box['error']}" + fail_note(s))
        if box["result"]:
            raise AssertionError("while half of the sends were short, " + box["result"]
                                 + fail_note(s))
    if not fiu.fired():
        pytest.skip("no send or write on a socket went through the C library (writev, sendmsg, "
                    "io_uring or raw system calls), so the shim could not shorten one")
    assert s.alive(), "the program exited while sends were short" + fail_note(s)
