"""HTTP-009..016: requests the server must refuse, with which status, and
that it closes the connection after refusing them."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, describe, expect_closed, expect_status, get,  # noqa: E402
                        repro)
from osnet_harness.timeouts import T  # noqa: E402

H = b"Host: osnet.test\r\n"
NEXT = get("/hello.txt")  # pipelined behind a refused request: must never be answered


def one(addr, rq, report, what, codes):
    """Send rq on a fresh connection; return (conn, response) after checking
    the status is one of codes (an int or a set)."""
    codes = {codes} if isinstance(codes, int) else set(codes)
    report.repro(repro(addr, rq))
    c = Conn(addr)
    try:
        c.send(rq)
    except OSError:
        pass
    try:
        r = c.read_response(rq.split(b" ", 1)[0].decode("latin-1"))
    except HttpError as e:
        c.close()
        raise HttpError(f"{what}: {e}\n" + describe(rq, " or ".join(map(str, sorted(codes))))) from None
    r.request = rq
    try:
        expect_status(r, codes, what)
    except HttpError:
        c.close()
        raise
    return c, r


def refuse(addr, rq, report, what, codes):
    one(addr, rq, report, what, codes)[0].close()


NO_HOST = [
    ("an HTTP/1.1 request without Host", b"GET /hello.txt HTTP/1.1\r\n\r\n"),
    ("two Host fields", b"GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n"),
    ("two Host fields with the same value", b"GET /hello.txt HTTP/1.1\r\n" + H + H + b"\r\n"),
]


@pytest.mark.req("HTTP-009")
@pytest.mark.parametrize("what,rq", NO_HOST, ids=["none", "two", "two-same"])
def test_host_missing_or_repeated_gets_400(server, report, what, rq):
    refuse(server.addr, rq, report, what, 400)


MALFORMED = [
    ("an extra word after the version", b"GET /hello.txt HTTP/1.1 extra\r\n" + H + b"\r\n"),
    ("a lower-case version", b"GET /hello.txt http/1.1\r\n" + H + b"\r\n"),
    ("a version that is not HTTP/d.d", b"GET /hello.txt XTTP/1.1\r\n" + H + b"\r\n"),
    ("a version without its minor digit", b"GET /hello.txt HTTP/1\r\n" + H + b"\r\n"),
    ("a space between the field name Host and its colon", b"GET /hello.txt HTTP/1.1\r\nHost : osnet.test\r\n\r\n"),
    ("a space between a field name and its colon",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet : value\r\n\r\n"),
    ("a tab between a field name and its colon",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet\t: value\r\n\r\n"),
    ("an obs-fold line (a field value continued on a line starting with a space)",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet: first\r\n  continued\r\n\r\n"),
    ("an obs-fold line starting with a tab",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet: first\r\n\tcontinued\r\n\r\n"),
]


@pytest.mark.req("HTTP-010")
@pytest.mark.parametrize("what,rq", MALFORMED, ids=["extra-word", "lowercase-version", "xttp",
                                                    "no-minor", "host-space-colon",
                                                    "space-colon", "tab-colon", "obs-fold",
                                                    "obs-fold-tab"])
def test_malformed_line_gets_400(server, report, what, rq):
    refuse(server.addr, rq, report, "a request with " + what, 400)


@pytest.mark.req("HTTP-011")
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/3.0"])
def test_other_major_version_gets_505(server, report, version):
    rq = b"GET /hello.txt " + version.encode() + b"\r\n" + H + b"\r\n"
    refuse(server.addr, rq, report, f"a request with version {version}", 505)


@pytest.mark.req("HTTP-012")
@pytest.mark.parametrize("method", ["BREW", "OSNETX"])
def test_unknown_method_gets_501(server, report, method):
    rq = method.encode() + b" /hello.txt HTTP/1.1\r\n" + H + b"\r\n"
    refuse(server.addr, rq, report, f"a request with the unknown method {method}", 501)


# Refused requests that leave the framing in doubt: the connection must close.
CLOSING = [
    ("no Host", b"GET /hello.txt HTTP/1.1\r\n\r\n", {400}),
    ("an invalid Content-Length", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Content-Length: 12abc\r\n\r\n", {400}),
    ("a request line of 9000 bytes",
     b"GET /hello.txt?q=" + b"a" * 8974 + b" HTTP/1.1\r\n" + H + b"\r\n", {414}),
    ("a field line of 8214 bytes",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet-Long: " + b"L" * 8200 + b"\r\n\r\n",
     set(range(400, 500))),
    ("version HTTP/2.0", b"GET /hello.txt HTTP/2.0\r\n" + H + b"\r\n", {505}),
    ("Transfer-Encoding: gzip", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Transfer-Encoding: gzip\r\n\r\n", {400, 501}),
    ("an obs-fold line", b"GET /hello.txt HTTP/1.1\r\n" + H
     + b"X-Osnet: a\r\n b\r\n\r\n", {400}),
    ("two Host fields", b"GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
     {400}),
    ("an extra word in the request line", b"GET /hello.txt HTTP/1.1 extra\r\n" + H + b"\r\n",
     {400}),
    ("a space before a colon", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet : v\r\n\r\n",
     {400}),
    # The smuggling case: read by Content-Length, "0\r\n\r\n" is the body and
    # the GET after it a request; read as chunked, the body ends at the same
    # place. Either way the server must refuse and close.
    ("both Content-Length and Transfer-Encoding", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400}),
    ("two different Content-Length fields", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Content-Length: 0\r\nContent-Length: 5\r\n\r\n", {400}),
    ("a head of 90 field lines, 68 KiB in all", b"GET /hello.txt HTTP/1.1\r\n" + H
     + b"".join(b"X-Osnet-%02d: " % i + b"v" * 746 + b"\r\n" for i in range(90)) + b"\r\n",
     set(range(400, 500))),
]


@pytest.mark.req("HTTP-013")
@pytest.mark.parametrize("what,rq,codes", CLOSING, ids=["no-host", "bad-length", "414", "431",
                                                        "505", "te-gzip", "obs-fold", "two-hosts",
                                                        "extra-word", "space-colon", "cl-and-te",
                                                        "two-lengths", "head-64k"])
def test_connection_closes_after_refusal(server, report, what, rq, codes):
    data = rq + NEXT
    c, r = one(server.addr, data, report, f"a request with {what}, then a GET pipelined "
                                          f"behind it", codes)
    with c:
        expect_closed(c, f"after refusing a request with {what} ({r.status}), the server "
                         f"must close the connection and not answer the GET sent after it",
                      data, timeout=T(10))


BAD_LENGTH = [
    ("letters", [b"abc"]),
    ("a minus sign", [b"-1"]),
    ("a plus sign", [b"+5"]),
    ("a list of two values", [b"5, 6"]),
    ("two fields with different values", [b"5", b"6"]),
    ("a hexadecimal number", [b"0x10"]),
]


@pytest.mark.req("HTTP-014")
@pytest.mark.parametrize("what,values", BAD_LENGTH, ids=["letters", "minus", "plus", "list",
                                                         "two-fields", "hex"])
def test_invalid_content_length_gets_400_and_close(server, report, what, values):
    rq = b"POST /hello.txt HTTP/1.1\r\n" + H + b"".join(
        b"Content-Length: " + v + b"\r\n" for v in values) + b"\r\n"
    c, r = one(server.addr, rq, report, f"a Content-Length with {what}", 400)
    with c:
        expect_closed(c, "after a 400 for an invalid Content-Length the server must close "
                         "the connection", rq, timeout=T(10))


@pytest.mark.req("HTTP-014")
def test_content_length_with_transfer_encoding_gets_400_and_close(server, report):
    rq = (b"POST /hello.txt HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    c, r = one(server.addr, rq, report, "a request with both Content-Length and "
                                        "Transfer-Encoding: chunked", 400)
    with c:
        expect_closed(c, "after a 400 for Content-Length with Transfer-Encoding the server "
                         "must close the connection", rq, timeout=T(10))


@pytest.mark.req("HTTP-015")
@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "chunked, gzip", "identity"])
def test_other_transfer_encoding_gets_501_and_close(server, report, coding):
    rq = (b"POST /hello.txt HTTP/1.1\r\n" + H + b"Transfer-Encoding: " + coding.encode()
          + b"\r\n\r\n0\r\n\r\n")
    c, r = one(server.addr, rq, report, f"Transfer-Encoding: {coding}", {400, 501})
    with c:
        expect_closed(c, f"after refusing Transfer-Encoding: {coding} the server must close "
                         f"the connection", rq, timeout=T(10))


# Requests after whose response the server closes the connection.
CLOSED_AFTER = [
    ("an HTTP/1.1 request without Host", b"GET /hello.txt HTTP/1.1\r\n\r\n"),
    ("version HTTP/2.0", b"GET /hello.txt HTTP/2.0\r\n" + H + b"\r\n"),
    ("Transfer-Encoding: gzip", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Transfer-Encoding: gzip\r\n\r\n"),
    ("Connection: close", b"GET /hello.txt HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"),
    ("an HTTP/1.0 request", b"GET /hello.txt HTTP/1.0\r\n\r\n"),
    ("a request line of 9000 bytes",
     b"GET /hello.txt?q=" + b"a" * 8974 + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("a field line of 8214 bytes",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Osnet-Long: " + b"L" * 8200 + b"\r\n\r\n"),
    ("an invalid Content-Length", b"POST /hello.txt HTTP/1.1\r\n" + H
     + b"Content-Length: 12abc\r\n\r\n"),
    ("a Content-Length over the default --max-body of 1 MiB (body not sent)",
     b"POST /hello.txt HTTP/1.1\r\n" + H + b"Content-Length: 2000000\r\n\r\n"),
]


@pytest.mark.req("HTTP-016")
@pytest.mark.parametrize("what,rq", CLOSED_AFTER, ids=["no-host", "505", "te-gzip",
                                                       "connection-close", "http10", "414",
                                                       "431", "bad-length", "413"])
def test_response_before_close_says_connection_close(server, report, what, rq):
    c, r = one(server.addr, rq, report, what, set(range(100, 600)))
    with c:
        extra, why = c.read_eof(T(10))
    if why == "timeout":
        pytest.skip(f"the server kept the connection open after {what} (other requirements "
                    f"judge that), so this one has nothing to check")
    if "close" not in r.tokens("Connection"):
        raise HttpError(f"the server closed the connection after answering {what}, but its "
                        f"response did not say 'Connection: close'\n"
                        + describe(rq, "a Connection field with the close option", r))
