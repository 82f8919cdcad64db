"""HTTP-017..020: request bodies (Content-Length, chunked), --max-body and
Expect: 100-continue."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, chunked, describe, expect_closed, expect_status,  # noqa: E402
                        get, pipeline, repro, request)
from osnet_harness.net import start_sender  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

# A body that is itself a request: a server that does not consume the body
# answers it, and its answer (index.html) shows up where hello.txt should be.
SMUGGLED = b"GET /index.html HTTP/1.1\r\nHost: osnet.test\r\n\r\n"
NEXT = get("/hello.txt")


def check_next_answered(site, first, second, sent, what):
    """The request after the body got hello.txt, not an answer to the body."""
    if second.status != 200 or second.body != site["/hello.txt"]:
        raise HttpError(
            f"{what}: the GET /hello.txt pipelined after the body was not answered with "
            f"hello.txt (was the body read as a request?)\n"
            + describe(sent, "a response to the request with the body, then 200 'hello\\n'",
                       second, note="the response to the request with the body:\n"
                       + first.summary()))


@pytest.mark.req("HTTP-017")
def test_content_length_body_is_consumed(server, site, report):
    body = SMUGGLED + b"x" * (1000 - len(SMUGGLED))
    data = request("POST", "/hello.txt", body=body) + NEXT
    report.repro(repro(server.addr, data[:300]) + "  # (body shortened)")
    with Conn(server.addr) as c:
        first, second = pipeline(c, [request("POST", "/hello.txt", body=body), NEXT])
    check_next_answered(site, first, second, data, "a POST with a 1000-byte body")


@pytest.mark.req("HTTP-017")
def test_large_body_arriving_in_pieces_is_consumed(server, site, report):
    body = SMUGGLED * 8000  # 360 KiB, under the default --max-body of 1 MiB
    head = request("POST", "/hello.txt", [("Content-Length", str(len(body)))])
    with Conn(server.addr) as c:
        c.send(head)
        # The server may answer before the body is there; it must still read it.
        sender = start_sender(c.sock, [body[i:i + 7001] for i in range(0, len(body), 7001)] + [NEXT])
        try:
            first, second = pipeline(c, [head, NEXT], write=False)
        finally:
            sender.finish(T(10))
    check_next_answered(site, first, second, head + b"<body of %d bytes>" % len(body) + NEXT,
                        f"a POST whose {len(body)}-byte body arrives in 7001-byte writes")


CHUNKS = [b"a" * 10, SMUGGLED, b"z" * 300, b"\r\n0\r\n\r\n"]  # the last looks like an end


@pytest.mark.req("HTTP-018")
@pytest.mark.parametrize("how", ["one-write", "7-byte-writes"])
def test_chunked_body_with_extensions_and_trailers_is_consumed(server, site, report, how):
    body = chunked(CHUNKS, ext=b";name=value;flag", trailers=[b"X-Trailer: yes",
                                                               b"X-Other: 1"], upper=True)
    head = request("POST", "/hello.txt", [("Transfer-Encoding", "chunked")])
    data = head + body + NEXT
    report.repro(repro(server.addr, data))
    with Conn(server.addr) as c:
        if how == "one-write":
            c.send(data)
        else:
            c.send_slowly(data, piece=7)
        first, second = pipeline(c, [head, NEXT], write=False)
    check_next_answered(site, first, second, data, "a chunked POST with chunk extensions "
                                                   "and trailer fields")


@pytest.mark.req("HTTP-018")
def test_large_chunks_are_consumed(server, site, report):
    pieces = [SMUGGLED * 3000, b"y" * 0x1F, SMUGGLED * 1000]
    body = chunked(pieces)
    head = request("POST", "/hello.txt", [("Transfer-Encoding", "chunked")])
    with Conn(server.addr) as c:
        c.send(head)
        sender = start_sender(c.sock, [body, NEXT])
        try:
            first, second = pipeline(c, [head, NEXT], write=False)
        finally:
            sender.finish(T(10))
    check_next_answered(site, first, second, head + b"<chunked body of %d bytes>" % len(body)
                        + NEXT, "a chunked POST with chunks of 135 KiB and 45 KiB")


@pytest.mark.req("HTTP-019")
@pytest.mark.parametrize("length", [1001, 10 ** 12])
def test_body_over_max_body_gets_413_and_close(launcher, site, report, length):
    s = launcher.start(args=["--max-body", "1000"])
    head = request("POST", "/hello.txt", [("Content-Length", str(length))])
    report.repro(repro(s.addr, head))
    with Conn(s.addr) as c:
        c.send(head)  # and no body: the server must not wait for it
        try:
            r = c.read_response("POST", timeout=T(10))
        except HttpError as e:
            raise HttpError(f"started with --max-body 1000, a request declaring Content-Length: "
                            f"{length} (body not sent): {e}\n" + describe(head, "413")) from None
        r.request = head
        expect_status(r, 413, f"--max-body 1000 and Content-Length: {length}")
        expect_closed(c, "after the 413 the server must close the connection", head,
                      timeout=T(30))


@pytest.mark.req("HTTP-019")
def test_body_of_exactly_max_body_is_not_refused(launcher, site, report):
    s = launcher.start(args=["--max-body", "1000"])
    rq = request("POST", "/hello.txt", body=b"b" * 1000)
    report.repro(repro(s.addr, rq[:200]) + "  # (body shortened)")
    with Conn(s.addr) as c:
        first, second = pipeline(c, [rq, NEXT])
    if first.status == 413:
        raise HttpError("started with --max-body 1000, a body of exactly 1000 bytes got 413\n"
                        + describe(rq, "not 413 (405 for a static file)", first))
    check_next_answered(site, first, second, rq + NEXT, "a 1000-byte body with --max-body 1000")


@pytest.mark.req("HTTP-020")
def test_expect_100_continue_is_answered_before_the_body(server, site, report):
    head = request("POST", "/hello.txt", [("Content-Length", "10"), ("Expect", "100-continue")])
    report.repro(repro(server.addr, head))
    with Conn(server.addr) as c:
        c.send(head)
        try:
            r = c.read_response("POST", timeout=T(10), keep_interim=True)
        except HttpError as e:
            raise HttpError(f"the server did not answer a request with Expect: 100-continue "
                            f"before its body came: {e}\n"
                            + describe(head, "HTTP/1.1 100 Continue, or a final response, "
                                       "before the body is sent")) from None
        if r.status == 100:
            c.send(b"0123456789")
            final = c.read_response("POST", timeout=T(10))
            if final.status < 200:
                raise HttpError("after 100 Continue and the body, no final response:\n"
                                + final.summary())


@pytest.mark.req("HTTP-020")
def test_expect_100_continue_with_too_large_body_gets_413(launcher, site, report):
    s = launcher.start(args=["--max-body", "1000"])
    head = request("POST", "/hello.txt", [("Content-Length", "5000"), ("Expect", "100-continue")])
    report.repro(repro(s.addr, head))
    with Conn(s.addr) as c:
        c.send(head)
        try:
            r = c.read_response("POST", timeout=T(10))
        except HttpError as e:
            raise HttpError(f"--max-body 1000, Expect: 100-continue and Content-Length: 5000, "
                            f"body not sent: {e}\n" + describe(head, "413 at once")) from None
        r.request = head
        expect_status(r, 413, "--max-body 1000, Expect: 100-continue, Content-Length: 5000")
