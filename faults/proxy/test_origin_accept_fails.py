"""PROXY-051: the origin's accept fails (our HTTP server under libfiu and our
shim: osnet/net/accept4 switched on and off through the control FIFO)."""
import pytest

from osnet_harness.httpclient import Conn, HttpError, ProtocolError, exchange, get
from osnet_harness.timeouts import T
from proxyfaults import HttpOrigin, dead_note
from proxykit import GRACE

PAGE = b"a page from the origin\n" * 40
OTHER = b"another page\n" * 7
UPSTREAM_TIMEOUT = 1


def ask(s, conn, target, timeout, what):
    """GET target on conn (None: a new connection). Returns (conn or None if
    the proxy closed it, response)."""
    c = conn or Conn(s.addr, timeout=T(10))
    try:
        c, r = exchange(s.addr, get(target), conn=c, timeout=timeout)
    except ProtocolError as e:
        c.close()
        raise AssertionError(f"{what}: GET {target}: the proxy closed the connection without "
                             f"a response ({str(e).splitlines()[0]}).{dead_note(s)}\n"
                             + s.stderr_block()) from None
    except (HttpError, OSError) as e:
        c.close()
        raise AssertionError(f"{what}: GET {target}: no complete response within "
                             f"{timeout:.0f}s ({str(e).splitlines()[0]}).{dead_note(s)}\n"
                             + s.stderr_block()) from None
    if "close" in r.tokens("Connection"):
        c.close()
        c = None
    return c, r


@pytest.mark.req("PROXY-051")
@pytest.mark.parametrize("err", [24, 103], ids=["EMFILE", "ECONNABORTED"])
def test_origin_accept_fails_then_recovers(launcher, workdir, err):
    """Expectation: the origin is build/bin/http (one thread) under fiu-run;
    every accept/accept4 it makes fails with `err`, so the proxy's
    connections complete in the origin's kernel and wait there unread. The
    proxy (--upstream-timeout 1) answers each of two requests, on one
    keep-alive client connection, with a 504 or 502 within 1 s plus the
    grace period. Then accept works again: the next request on that client
    connection (or on a new one, if the proxy closed it after its 504) and
    a new client's request get the origin's files, byte-exact. The test is
    skipped if the shim never failed an accept."""
    org = HttpOrigin(workdir, {"page.txt": PAGE, "other.txt": OTHER}).start()
    kept = None
    try:
        s = launcher.start(upstream=org.hostport,
                           args=["--upstream-timeout", str(UPSTREAM_TIMEOUT),
                                 "--connect-timeout", str(UPSTREAM_TIMEOUT)])
        org.fail_accept(err)
        bound = UPSTREAM_TIMEOUT + T(GRACE)
        kept = Conn(s.addr, timeout=T(10))
        for i in range(1, 3):
            what = f"request {i} of 2 while the origin's accept fails with errno {err}"
            kept, r = ask(s, kept, "/page.txt", bound, what)
            if r.status not in (502, 504):
                raise AssertionError(f"{what}: status {r.status}; expected 504 (or 502): the "
                                     f"origin never reads the request\n" + r.summary())
        if not any(p in org.fired() for p in ("osnet_net_accept", "osnet_net_accept4")):
            pytest.skip("the origin never called accept or accept4 through libc, so the "
                        "fault was not injected")
        org.accept_again()
        what = "once the origin accepts again"
        kept, r = ask(s, kept, "/page.txt", T(15),
                      f"{what}, the client that got the 504s" if kept else f"{what}, a client")
        if r.status != 200 or r.body != PAGE:
            raise AssertionError(f"{what}: GET /page.txt should get the origin's file "
                                 f"({len(PAGE)} bytes)\n" + r.summary())
        c, r = ask(s, None, "/other.txt", T(15), f"{what}, a new client")
        if c is not None:
            c.close()
        if r.status != 200 or r.body != OTHER:
            raise AssertionError(f"{what}: a new client's GET /other.txt should get the "
                                 f"origin's file ({len(OTHER)} bytes)\n" + r.summary())
    finally:
        if kept is not None:
            kept.close()
        org.stop()
    assert s.alive(), "the proxy exited\n" + s.stderr_block()
