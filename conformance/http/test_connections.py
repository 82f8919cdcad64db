"""HTTP-021..023: persistent connections, HTTP/1.0, pipelining."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, describe, expect_closed, exchange, get,  # noqa: E402
                        pipeline, repro, request)
from osnet_harness.net import describe_diff  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

# (request, expected status, expected body or None for "any") for a static server.
def mix(site):
    return [
        (get("/hello.txt"), 200, site["/hello.txt"]),
        (get("/index.html"), 200, site["/index.html"]),
        (get("/small.bin"), 200, site["/small.bin"]),
        (get("/nope-not-here.txt"), 404, None),
        (request("HEAD", "/hello.txt"), 200, b""),
        (get("/sub/page.txt"), 200, site["/sub/page.txt"]),
        (get("/empty.txt"), 200, b""),
        (get("/mid.bin"), 200, site["/mid.bin"]),
    ]


def check(resp, status, body, what):
    if resp.status != status or (body is not None and resp.body != body):
        note = None
        if body is not None and resp.status == status:
            note = describe_diff(body, resp.body)
        raise HttpError(f"{what}\n" + describe(resp.request, f"{status}"
                                               + (f" and {len(body)} body bytes" if body is not None else ""),
                                               resp, note))


@pytest.mark.req("HTTP-021")
def test_http11_connection_is_persistent(server, site, report):
    cases = mix(site) * 4
    with Conn(server.addr) as c:
        for i, (rq, status, body) in enumerate(cases):
            try:
                _, r = exchange(server.addr, rq, conn=c)
            except HttpError as e:
                raise HttpError(f"request #{i + 1} of {len(cases)}, sent one after another on "
                                f"one connection, each after the previous response: {e}") from None
            check(r, status, body, f"request #{i + 1} of {len(cases)} on one connection")


@pytest.mark.req("HTTP-021")
def test_connection_close_closes_after_the_response(server, site, report):
    rq = get("/hello.txt", [("Connection", "close")])
    report.repro(repro(server.addr, rq))
    c, r = exchange(server.addr, rq)
    with c:
        check(r, 200, site["/hello.txt"], "GET with Connection: close")
        expect_closed(c, "after answering a request with Connection: close the server must "
                         "close the connection", rq, timeout=T(10))


@pytest.mark.req("HTTP-021")
def test_http10_closes_after_the_response(server, site, report):
    rq = b"GET /hello.txt HTTP/1.0\r\n\r\n"
    report.repro(repro(server.addr, rq))
    c, r = exchange(server.addr, rq)
    with c:
        check(r, 200, site["/hello.txt"], "an HTTP/1.0 GET")
        expect_closed(c, "after answering an HTTP/1.0 request without Connection: keep-alive "
                         "the server must close the connection", rq, timeout=T(10))


@pytest.mark.req("HTTP-022")
def test_http10_keep_alive_is_honoured(server, site, report):
    rq = b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    report.repro(repro(server.addr, rq + rq))
    with Conn(server.addr) as c:
        first, second = pipeline(c, [rq, rq])
    for r in (first, second):
        check(r, 200, site["/hello.txt"], "HTTP/1.0 with Connection: keep-alive, twice")
        if "keep-alive" not in r.tokens("Connection"):
            raise HttpError("the response to an HTTP/1.0 keep-alive request does not say "
                            "Connection: keep-alive\n" + describe(rq, "Connection: keep-alive", r))


@pytest.mark.req("HTTP-023")
@pytest.mark.parametrize("how", ["one-write", "13-byte-writes"])
def test_pipelined_requests_answered_in_order(server, site, report, how):
    cases = mix(site) * 8
    reqs = [rq for rq, _, _ in cases]
    report.repro(repro(server.addr, b"".join(reqs[:4])) + "  # (first 4 of the requests)")
    with Conn(server.addr) as c:
        if how == "one-write":
            c.send(b"".join(reqs))
        else:
            c.send_slowly(b"".join(reqs), piece=13)
        resps = pipeline(c, reqs, write=False)
    for i, (r, (rq, status, body)) in enumerate(zip(resps, cases)):
        check(r, status, body, f"response #{i + 1} of {len(cases)} requests pipelined "
                               f"({how}) is not the answer to request #{i + 1}")


@pytest.mark.req("HTTP-023")
def test_pipelined_large_responses(server, site, report):
    """Responses far larger than the socket buffers: the server must hold the
    pipelined requests while the client drains each response."""
    reqs = [get("/big.bin"), get("/hello.txt"), get("/mid.bin"), get("/big.bin"),
            get("/hello.txt")]
    with Conn(server.addr) as c:
        resps = pipeline(c, reqs)
    for i, r in enumerate(resps):
        target = reqs[i].split(b" ")[1].decode()
        check(r, 200, site[target], f"response #{i + 1} of 5 pipelined requests ({target})")
