"""HTTP-038..040: the reference's router (path parameters, query decoding,
the echo route). Skipped for programs without these routes (nginx)."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, chunked, describe, expect_closed,  # noqa: E402
                        expect_status, fetch, get, pipeline, repro, request)
from osnet_harness.net import describe_diff  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

ITEMS = [
    ("/_osnet/items/42", "param id 42\n"),
    ("/_osnet/items/a%20b", "param id a b\n"),
    ("/_osnet/items/a+b", "param id a+b\n"),
    ("/_osnet/items/7/tags/red%2Bblue", "param id 7\nparam tag red+blue\n"),
    ("/_osnet/items/9?", "param id 9\n"),
    ("/_osnet/items/%C3%A9t%C3%A9/tags/x?q=1+2&flag&name=%C3%A9&empty=&a%3Db=c%26d",
     "param id \u00e9t\u00e9\nparam tag x\nquery q 1 2\nquery flag \nquery name \u00e9\n"
     "query empty \nquery a=b c&d\n"),
    ("/_osnet/items/x?b=2&a=1&b=3", "param id x\nquery b 2\nquery a 1\nquery b 3\n"),
]


@pytest.mark.req("HTTP-038")
@pytest.mark.parametrize("target,body", ITEMS, ids=[t for t, _ in ITEMS])
def test_items_route_params_and_query(server, report, target, body):
    want = body.encode()
    rq = get(target)
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        r, h = pipeline(c, [rq, request("HEAD", target)])
    expect_status(r, 200, f"GET {target}")
    if r.body != want or r.media_type() != "text/plain":
        raise HttpError(f"GET {target}: wrong body or Content-Type\n"
                        + describe(rq, f"200 text/plain {want!r}", r,
                                   note=describe_diff(want, r.body)))
    if h.status != 200 or h.get("Content-Length") != str(len(want)) or h.body:
        raise HttpError(f"HEAD {target}: expected the GET's headers, no body\n"
                        + describe(h.request, f"200, Content-Length: {len(want)}", h))


@pytest.mark.req("HTTP-038")
@pytest.mark.parametrize("target", ["/_osnet/items/%zz", "/_osnet/items/1?q=%G1",
                                    "/_osnet/items/1?q=%4", "/_osnet/items/1/tags/%"])
def test_items_route_malformed_escape_gets_400(server, report, target):
    rq = get(target)
    report.repro(repro(server.addr, rq))
    expect_status(fetch(server.addr, rq), 400, f"GET {target}")


@pytest.mark.req("HTTP-038")
@pytest.mark.parametrize("target", ["/_osnet/items/", "/_osnet/items/1/tags/",
                                    "/_osnet/items/1/2"])
def test_items_route_needs_every_segment(server, report, target):
    rq = get(target)
    expect_status(fetch(server.addr, rq), 404, f"GET {target} (matches no route, no file)")


@pytest.mark.req("HTTP-038")
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_items_route_other_methods_get_405(server, report, method):
    rq = request(method, "/_osnet/items/1", body=b"x" if method != "DELETE" else b"")
    report.repro(repro(server.addr, rq))
    r = fetch(server.addr, rq)
    expect_status(r, 405, f"{method} /_osnet/items/1")
    if {t.upper() for t in r.tokens("Allow")} != {"GET", "HEAD"}:
        raise HttpError(describe(rq, "405 with Allow: GET, HEAD", r))


def echo_payload(n):
    return bytes(range(256)) * (n // 256) + bytes(range(n % 256))


def expect_echo(r, body, what):
    expect_status(r, 200, what)
    if r.body != body or r.media_type() != "application/octet-stream":
        raise HttpError(f"{what}: the response is not the request body "
                        f"(Content-Type {r.get('Content-Type')!r})\n" + describe_diff(body, r.body))


@pytest.mark.req("HTTP-039")
@pytest.mark.parametrize("size", [0, 1, 100 * 1024])
def test_echo_route_content_length(server, report, size):
    body = echo_payload(size)
    rq = request("POST", "/_osnet/echo", [("Content-Length", str(size))], body=body)
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        r, again = pipeline(c, [rq, rq])
    expect_echo(r, body, f"POST /_osnet/echo with a {size}-byte body")
    expect_echo(again, body, f"a second POST /_osnet/echo with a {size}-byte body pipelined")


@pytest.mark.req("HTTP-039")
def test_echo_route_chunked(server, report):
    pieces = [echo_payload(300), b"", echo_payload(17), b"\r\n0\r\n\r\n", echo_payload(5000)]
    pieces = [p for p in pieces if p]
    body = chunked(pieces, ext=b";x=y", trailers=[b"X-Trailer: t"])
    rq = request("POST", "/_osnet/echo", [("Transfer-Encoding", "chunked")]) + body
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        c.send(rq + get("/_osnet/items/1"))
        r, after = pipeline(c, [rq, get("/_osnet/items/1")], write=False)
    expect_echo(r, b"".join(pieces), "POST /_osnet/echo with a chunked body")
    expect_status(after, 200, "GET /_osnet/items/1 pipelined after the chunked POST")


@pytest.mark.req("HTTP-039")
def test_echo_route_chunked_over_max_body_gets_413(launcher, report):
    s = launcher.start(args=["--max-body", "1000"])
    rq = (request("POST", "/_osnet/echo", [("Transfer-Encoding", "chunked")])
          + b"258\r\n" + b"a" * 600 + b"\r\n258\r\n" + b"b" * 600 + b"\r\n")
    report.repro(repro(s.addr, rq[:200]) + "  # (shortened)")
    with Conn(s.addr) as c:
        c.send(rq)  # no last chunk: the server must not wait for the end
        try:
            r = c.read_response("POST", timeout=T(10))
        except HttpError as e:
            raise HttpError(f"--max-body 1000, a chunked body of 1200 bytes so far: {e}") from None
        r.request = rq
        expect_status(r, 413, "--max-body 1000 and a chunked body growing past it")
        expect_closed(c, "after the 413 the server must close the connection", rq, timeout=T(30))


@pytest.mark.req("HTTP-039")
def test_echo_route_other_methods_get_405(server, report):
    for method in ("GET", "HEAD", "PUT"):
        rq = request(method, "/_osnet/echo")
        r = fetch(server.addr, rq)
        expect_status(r, 405, f"{method} /_osnet/echo")
        if {t.upper() for t in r.tokens("Allow")} != {"POST"}:
            raise HttpError(describe(rq, "405 with Allow: POST", r))


@pytest.mark.req("HTTP-040")
def test_echo_route_sends_100_continue(server, report):
    head = request("POST", "/_osnet/echo", [("Content-Length", "5"), ("Expect", "100-continue")])
    report.repro(repro(server.addr, head))
    with Conn(server.addr) as c:
        c.send(head)
        try:
            r = c.read_response("POST", timeout=T(10), keep_interim=True)
        except HttpError as e:
            raise HttpError(f"no interim response before the body was sent: {e}\n"
                            + describe(head, "HTTP/1.1 100 Continue")) from None
        r.request = head
        expect_status(r, 100, "POST /_osnet/echo with Expect: 100-continue, before the body")
        c.send(b"hello")
        final = c.read_response("POST", timeout=T(10))
    expect_echo(final, b"hello", "the final response after 100 Continue and the body")
