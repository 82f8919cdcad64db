"""PROXY-029..036: an upstream that refuses, closes, resets, never connects,
never answers, goes silent or dies mid-body; a client that goes away; one
slow exchange among others."""
import pathlib
import socket
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, ProtocolError, describe, exchange, get,  # noqa: E402
                                      repro, request)
from osnet_harness.net import rst_close  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402
from proxykit import (GRACE, BodyReader, RawOrigin, forward, only_request,  # noqa: E402
                      read_head)


def expect_error(addr, rq, code, what, report, timeout=None):
    """Send rq; the response must be `code` with a Content-Length body."""
    report.repro(repro(addr, rq))
    try:
        c, r = exchange(addr, rq, timeout=T(30) if timeout is None else timeout)
    except HttpError as e:
        raise HttpError(f"{what}: expected a {code} response: {e}") from None
    c.close()
    if r.status != code:
        raise HttpError(f"{what}: status {r.status}, expected {code}\n"
                        + describe(rq, str(code), r))
    if r.framing != "content-length":
        raise HttpError(f"{what}: the {code} response's body must be delimited by "
                        f"Content-Length; it was {r.framing}\n" + describe(rq, str(code), r))
    return r


def still_serves(addr, origin, what):
    rq = get("/echo?after")
    try:
        c, r = exchange(addr, rq, timeout=T(15))
        c.close()
    except (HttpError, OSError) as e:
        raise HttpError(f"{what}, a new client's GET was not answered: {e}") from None
    if r.status != 200 or r.get("X-Backend") != "origin":
        raise HttpError(f"{what}, a new client's GET did not get the origin's 200:\n"
                        + r.summary())


@pytest.mark.req("PROXY-029")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_connection_gives_502(server, origin, report, method):
    origin.down()
    rq = request(method, "/echo", body=b"data" if method == "POST" else b"")
    expect_error(server.addr, rq, 502, "the upstream refuses connections", report)
    expect_error(server.addr, rq, 502, "the upstream still refuses connections (second "
                                       "request)", report)
    origin.up()
    still_serves(server.addr, origin, "once the origin listens again")


@pytest.mark.req("PROXY-030")
@pytest.mark.parametrize("path", ["/close-before", "/reset-before"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_upstream_gone_before_the_head_gives_502(server, origin, report, path, method):
    rq = request(method, path, body=b"data" if method == "POST" else b"")
    expect_error(server.addr, rq, 502, f"the origin {'closes' if 'close' in path else 'resets'} "
                                       f"the connection without answering", report)
    still_serves(server.addr, origin, f"after {path}")


@pytest.mark.req("PROXY-031")
def test_connect_timeout_gives_504(launcher, report):
    raw = RawOrigin(None, backlog=0)
    try:
        if not raw.fill():
            pytest.skip("could not fill a listen queue on this machine: every connect "
                        "completed, so no connect can be made to hang")
        s = launcher.start(upstream=raw.hostport, args=["--connect-timeout", "1",
                                                        "--upstream-timeout", "300"])
        # 1 s + 3 s (scaled): short of the 5 s default, so a proxy that
        # ignores --connect-timeout is caught (unless the multiplier stretches it).
        bound = 1 + T(3)
        rq = get("/echo")
        start = time.monotonic()
        r = expect_error(s.addr, rq, 504, "the upstream's listen queue is full (its SYNs go "
                                          "unanswered) and --connect-timeout is 1", report,
                         timeout=bound)
        took = time.monotonic() - start
        if took > bound:
            raise HttpError(f"the 504 came {took:.1f}s after the request, with "
                            f"--connect-timeout 1\n" + r.summary())
    finally:
        raw.stop()


@pytest.mark.req("PROXY-032")
def test_upstream_timeout_before_the_head_gives_504(launcher, origin, report):
    s = launcher.start(args=["--upstream-timeout", "1"])
    rq = get("/hold/h1")
    bound = 1 + T(GRACE)
    expect_error(s.addr, rq, 504, "the origin never answers and --upstream-timeout is 1",
                 report, timeout=bound)
    rec = origin.wait_arrived("h1", T(5))
    if rec is None:
        raise HttpError("the request never reached the origin")
    if not origin.wait_conn_closed(rec.conn, T(10)):
        raise HttpError("after its 504 the proxy kept the upstream connection of the timed-out "
                        "request open (the origin never saw it close)")


def expect_truncated(c, rq, what, timeout):
    """The client must see a response that ends before its body is complete
    (or a complete 5xx instead of it): never a complete 200."""
    try:
        r = c.read_response("GET", timeout=timeout, idle=timeout)
    except ProtocolError:
        return  # the connection ended in the middle of the message: right
    except HttpError as e:
        raise HttpError(f"{what}: the proxy neither ended the client connection nor completed "
                        f"the message: {e}\n"
                        + describe(rq, "the client connection closed before the body is "
                                   "complete")) from None
    if r.status == 200:
        raise HttpError(f"{what}: the client received a complete-looking 200 message: the "
                        f"origin's body was cut short, and the client must be able to tell\n"
                        + describe(rq, "the client connection closed before the body is "
                                   "complete", r))
    if r.status < 500:
        raise HttpError(f"{what}: \n" + describe(rq, "a truncated 200, or a 5xx", r))


@pytest.mark.req("PROXY-033")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_silence_in_the_body_ends_the_client_connection(launcher, origin, report, chunked):
    s = launcher.start(args=["--upstream-timeout", "1"])
    rq = get("/stream/q1?first=1000&total=100000" + ("&chunked=1" if chunked else ""))
    report.repro(repro(s.addr, rq))
    with Conn(s.addr) as c:
        c.send(rq)
        expect_truncated(c, rq, "the origin sent a head and 1000 of 100000 body bytes, then "
                                "nothing, with --upstream-timeout 1", 1 + T(GRACE))


MID = [("/close-mid", "closes its connection"), ("/reset-mid", "resets its connection")]


@pytest.mark.req("PROXY-034")
@pytest.mark.parametrize("path,how", MID, ids=["close", "reset"])
def test_upstream_dying_mid_body_truncates_the_response(server, origin, report, path, how):
    rq = get(path)
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        c.send(rq)
        expect_truncated(c, rq, f"the origin sent Content-Length: 100000 and 1000 body bytes, "
                                f"then {how}", T(30))
    still_serves(server.addr, origin, f"after an origin's {path}")


@pytest.mark.req("PROXY-034")
def test_upstream_dying_mid_chunked_body_truncates_the_response(server, origin, report):
    rq = get("/stream/m1?first=1000&total=100000&chunked=1")
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        c.send(rq)
        head = read_head(c, timeout=T(10))
        br = BodyReader(c, head)
        why = br.read_until(1000, timeout=T(10))
        if why != "enough":
            raise HttpError(f"the origin's head and first 1000 chunked body bytes did not reach "
                            f"the client ({why}, {br.length} bytes)")
        origin.wait_arrived("m1", T(5))
        origin.down()  # closes the connection in the middle of the chunked body
        why = br.read_until(None, timeout=T(30))
        if why == "done":
            raise HttpError(f"the origin closed its connection in the middle of a chunked body "
                            f"(after 1000 bytes, without the last chunk); the client received "
                            f"a complete message of {br.length} bytes\n"
                            + describe(rq, "the client connection closed, message incomplete"))
        if why == "timeout":
            raise HttpError("the origin closed its connection in the middle of a chunked body; "
                            "the proxy did not close the client connection")
    origin.up()
    still_serves(server.addr, origin, "after an origin died in a chunked body")


CLIENT_GONE = ["fin", "rst"]


def client_leaves(c, how, origin, rec, when):
    """The client closes (fin) or resets (rst) c `when`: the origin must see
    the upstream connection that carried rec end within T(10)."""
    if how == "rst":
        rst_close(c.sock)
    else:
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    if not origin.wait_conn_closed(rec.conn, T(10)):
        raise HttpError(f"the client {'reset' if how == 'rst' else 'closed'} its connection "
                        f"{when}; the proxy kept the upstream connection open (the origin "
                        f"never saw it end within {T(10):.0f}s)")


@pytest.mark.req("PROXY-035")
@pytest.mark.parametrize("how", CLIENT_GONE)
def test_client_gone_before_the_head_closes_the_upstream(server, origin, report, how):
    rq = get("/hold/g1")
    c = Conn(server.addr)
    c.send(rq)
    rec = origin.wait_arrived("g1", T(10))
    if rec is None:
        c.close()
        raise HttpError("GET /hold/g1 never reached the origin\n" + describe(rq, "forwarded"))
    client_leaves(c, how, origin, rec, "while its request waited for the origin's answer")


@pytest.mark.req("PROXY-035")
@pytest.mark.parametrize("how", CLIENT_GONE)
def test_client_gone_mid_body_closes_the_upstream(server, origin, report, how):
    rq = get("/stream/g2?first=1000&total=10000000")
    c = Conn(server.addr)
    c.send(rq)
    try:
        head = read_head(c, timeout=T(10))
        br = BodyReader(c, head)
        br.read_until(1000, timeout=T(10))
    except HttpError:
        c.close()
        raise
    rec = origin.wait_arrived("g2", T(10))
    client_leaves(c, how, origin, rec, "in the middle of a response body")


@pytest.mark.req("PROXY-036")
def test_held_exchange_does_not_delay_others(server, origin, report):
    held = Conn(server.addr)
    try:
        held.send(get("/hold/slow"))
        if origin.wait_arrived("slow", T(10)) is None:
            raise HttpError("GET /hold/slow never reached the origin")
        for i in range(3):
            forward(server, origin, get(f"/echo?other={i}"), "while another client's request "
                    "waits for the origin, a GET from a second client", report)
        origin.release("slow")
        r = held.read_response("GET", timeout=T(10))
        if r.status != 200:
            raise HttpError("once released, the held request's response:\n" + r.summary())
    finally:
        held.close()


@pytest.mark.req("PROXY-036")
def test_client_not_reading_does_not_delay_others(server, origin, report):
    stuck = Conn(server.addr, rcvbuf=4096)
    try:
        stuck.send(get(f"/bytes/{64 << 20}"))       # 64 MiB nobody reads
        only_request(origin, "GET of 64 MiB", get("/bytes/..."))
        for i in range(3):
            forward(server, origin, get(f"/echo?other={i}"), "while another client does not "
                    "read its 64 MiB response, a GET from a second client", report)
    finally:
        stuck.close()


@pytest.mark.req("PROXY-036")
def test_half_a_head_does_not_delay_others(server, origin, report):
    slow = Conn(server.addr)
    try:
        slow.send(b"GET /echo?slow HTTP/1.1\r\nHost: osn")
        for i in range(3):
            forward(server, origin, get(f"/echo?other={i}"), "while another client has sent "
                    "half a request head, a GET from a second client", report)
        slow.send(b"et.test\r\n\r\n")
        r = slow.read_response("GET", timeout=T(10))
        if r.status != 200:
            raise HttpError("the request whose head was completed late:\n" + r.summary())
    finally:
        slow.close()
