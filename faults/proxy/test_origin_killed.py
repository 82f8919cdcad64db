"""PROXY-034, PROXY-049: the origin process is killed (SIGKILL) in the middle
of a large response it is sending through the proxy."""
import pytest

from osnet_harness.httpclient import Conn, HttpError, get
from osnet_harness.timeouts import T
from proxyfaults import (OriginProcess, answered_by, dead_note, describe_fds, fd_count,
                         expect_no_fd_leak, fetch_new, pattern)
from proxykit import BodyReader, pattern_crc, read_head

BIG = 1 << 30      # the response the origin is killed in the middle of
FIRST = 1 << 20    # what the client reads before the kill
EPISODES = 6       # PROXY-049: six kills
SLACK = 3          # PROXY-049: idle pooled upstream connections


def answered_by_origin(s, org, what):
    """A new client's GET /echo gets the origin's 200."""
    answered_by(s, org, get("/echo?alive", [("Connection", "close")]), what)


def answered_while_down(s, what):
    """With no origin listening, a new client's GET gets a complete 5xx."""
    r = fetch_new(s, get("/echo?down", [("Connection", "close")]),
                  f"{what}: with the origin dead, a new client's GET /echo",
                  why=": the proxy must keep serving (a 502)")
    if not 500 <= r.status <= 599:
        raise AssertionError(f"{what}: with the origin dead, a GET /echo got {r.status}; "
                             f"expected a 5xx (502)\n" + r.summary())


def kill_mid_response(s, org, chunked, what):
    """GET 1 GiB of the origin's pattern, read its first MiB, SIGKILL the
    origin, read on. Returns (BodyReader, why the reading stopped)."""
    target = f"/bytes/{BIG}" + ("?chunked=1" if chunked else "")
    c = Conn(s.addr, timeout=T(10))
    try:
        c.send(get(target))
        try:
            head = read_head(c, timeout=T(15))
        except HttpError as e:
            raise AssertionError(f"{what}: GET {target}: {e}{dead_note(s)}") from None
        if head.status != 200:
            raise AssertionError(f"{what}: GET {target} got {head.status}, expected the "
                                 f"origin's 200:\n{head.raw.decode('latin-1')}")
        br = BodyReader(c, head)
        why = br.read_until(FIRST, timeout=T(30))
        if why != "enough":
            raise AssertionError(f"{what}: GET {target}: the first {FIRST} body bytes did not "
                                 f"arrive ({why} after {br.length})")
        org.kill()
        why = br.read_until(None, timeout=T(120), idle=T(20))
    finally:
        c.close()
    return br, why


@pytest.mark.req("PROXY-034")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_origin_killed_mid_response(launcher, workdir, chunked):
    """Expectation: the origin, a process of its own, sends a 1 GiB body
    (Content-Length, or chunked) through the proxy; after the client has
    read 1 MiB of it, the origin is killed with SIGKILL. The client reads
    what was under way, all of it the origin's bytes, then its connection
    ends (EOF or reset) with the body incomplete: never a last chunk, never
    a stall. Meanwhile, and after, the proxy keeps serving: a new client
    gets a 5xx while nothing listens on the origin's port, and the origin's
    200 once a new origin process listens there. Twice."""
    org = OriginProcess("origin", workdir).start()
    try:
        s = launcher.start(upstream=org.hostport)
        answered_by_origin(s, org, "before the fault")
        framing = "chunked" if chunked else "Content-Length"
        for ep in range(1, 3):
            what = f"kill {ep} of 2 ({framing} body)"
            br, why = kill_mid_response(s, org, chunked, what)
            if why == "done":
                raise AssertionError(
                    f"{what}: the origin was killed after sending part of a {BIG}-byte "
                    f"{framing} body, yet the client received a complete message of "
                    f"{br.length} bytes: the proxy must close the client connection without "
                    f"completing it (no last chunk)")
            if why == "timeout":
                raise AssertionError(
                    f"{what}: the origin was killed in the middle of the body; {T(20):.0f}s "
                    f"later the client connection (after {br.length} body bytes) was neither "
                    f"closed nor moving: the proxy must close it.{dead_note(s)}")
            if br.kept != pattern(0, len(br.kept)) or br.crc != pattern_crc(br.length):
                raise AssertionError(f"{what}: the {br.length} body bytes the client received "
                                     f"are not the origin's (byte i is i % 256)")
            answered_while_down(s, what)
            org.start()
            answered_by_origin(s, org, f"{what}, with a new origin process on the same port")
    finally:
        org.kill()
    assert s.alive(), "the proxy exited after its origin was killed\n" + s.stderr_block()


@pytest.mark.req("PROXY-049")
def test_origin_kills_leak_no_descriptors(launcher, workdir):
    """Expectation: after a first exchange (its upstream connection may stay
    pooled), the proxy's descriptors are counted in /proc over every process
    of its group. Then six times: the origin is SIGKILLed in the middle of
    a 1 GiB response (Content-Length and chunked in turn), a request is
    answered while it is dead, a new origin process listens on the same
    port and answers one. Afterwards the proxy holds at most 3 descriptors
    more than at first (idle pooled upstream connections): the client and
    upstream connections of the cut exchanges are all closed."""
    org = OriginProcess("origin", workdir).start()
    try:
        s = launcher.start(upstream=org.hostport)
        answered_by_origin(s, org, "before the fault")
        base = fd_count(s)
        before = describe_fds(s)
        for ep in range(EPISODES):
            what = f"kill {ep + 1} of {EPISODES}"
            kill_mid_response(s, org, ep % 2 == 1, what)
            answered_while_down(s, what)
            org.start()
            answered_by_origin(s, org, f"{what}, with a new origin process")
        expect_no_fd_leak(s, base, before, SLACK,
                          f"after {EPISODES} origins were killed in the middle of a response "
                          f"and the proxy answered again")
    finally:
        org.kill()
