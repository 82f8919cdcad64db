"""HTTP-005..008: how long a request line and a request head may be."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, expect_status, fetch, repro  # noqa: E402


def line_of(n, target=b"/hello.txt?q="):
    """A request line of exactly n bytes (CRLF not counted) for target + 'a's."""
    fixed = len(b"GET ") + len(target) + len(b" HTTP/1.1")
    return b"GET " + target + b"a" * (n - fixed) + b" HTTP/1.1"


def refused(addr, data, what, codes, report):
    """Send data (the server may refuse it before it is all written) and
    return the response, which must have one of the codes."""
    report.repro(repro(addr, data))
    c = Conn(addr)
    try:
        try:
            c.send(data)
        except OSError:
            pass  # refused and closed while we were still writing: read what came
        try:
            r = c.read_response("GET")
        except HttpError as e:
            raise HttpError(f"{what}: {e}\n" + describe(data, " or ".join(map(str, codes)))) from None
        r.request = data
        expect_status(r, set(codes), what)
        return r
    finally:
        c.close()


@pytest.mark.req("HTTP-005")
def test_request_line_of_8000_bytes_is_accepted(server, site, report):
    rq = line_of(8000) + b"\r\nHost: osnet.test\r\n\r\n"
    report.repro(repro(server.addr, rq))
    r = fetch(server.addr, rq)
    expect_status(r, 200, "a request line of 8000 bytes (RFC 9112 §3: at least 8000 must work)")
    assert r.body == site["/hello.txt"], describe(rq, "the bytes of hello.txt", r)


@pytest.mark.req("HTTP-005")
def test_request_line_over_8192_bytes_gets_414(server, report):
    for n in (8193, 65536):
        rq = line_of(n) + b"\r\nHost: osnet.test\r\n\r\n"
        refused(server.addr, rq, f"a request line of {n} bytes", [414], report)
    # The line end never comes: the server must not wait for it.
    rq = line_of(20000)
    refused(server.addr, rq, "20000 bytes of request line with no line end yet", [414], report)


def accepted_head():
    """A head of 50 field lines, one of them 4096 bytes long, 16 KiB in all."""
    lines = [b"GET /hello.txt HTTP/1.1", b"Host: osnet.test",
             b"X-Osnet-Long: " + b"L" * (4096 - len(b"X-Osnet-Long: "))]
    for i in range(48):
        lines.append(b"X-Osnet-%02d: " % i + b"v" * 240)
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    assert len(head) <= 16384 and len(lines) - 1 == 50
    return head


def too_long_field():
    return (b"GET /hello.txt HTTP/1.1\r\nHost: osnet.test\r\nX-Osnet-Long: "
            + b"L" * 8200 + b"\r\n\r\n")


def too_long_head():
    """More than 64 KiB of head in 90 field lines of 760 bytes (under 100 fields)."""
    lines = [b"GET /hello.txt HTTP/1.1", b"Host: osnet.test"]
    for i in range(90):
        lines.append(b"X-Osnet-%02d: " % i + b"v" * 746)
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    assert len(head) > 65536
    return head


def unterminated_field():
    return b"GET /hello.txt HTTP/1.1\r\nHost: osnet.test\r\nX-Osnet-Long: " + b"L" * 20000


OVERSIZED = [
    ("a field line of 8214 bytes", too_long_field),
    ("a head of 90 field lines, 68 KiB in all", too_long_head),
    ("20000 bytes of one field line with no line end yet", unterminated_field),
]


@pytest.mark.req("HTTP-006")
def test_head_within_limits_is_accepted(server, site, report):
    rq = accepted_head()
    report.repro(repro(server.addr, rq))
    r = fetch(server.addr, rq)
    expect_status(r, 200, f"a head of 50 field lines ({len(rq)} bytes, the longest line 4096 "
                          f"bytes)")
    assert r.body == site["/hello.txt"], describe(rq, "the bytes of hello.txt", r)


@pytest.mark.req("HTTP-006")
@pytest.mark.parametrize("what,build", OVERSIZED, ids=["field-8k", "head-64k", "no-line-end"])
def test_oversized_head_gets_4xx(server, report, what, build):
    refused(server.addr, build(), what, range(400, 500), report)


@pytest.mark.req("HTTP-007")
@pytest.mark.parametrize("what,build", OVERSIZED, ids=["field-8k", "head-64k", "no-line-end"])
def test_oversized_head_gets_431(server, report, what, build):
    refused(server.addr, build(), what, [431], report)


@pytest.mark.req("HTTP-008")
def test_more_than_100_fields_gets_431(server, report):
    lines = [b"GET /hello.txt HTTP/1.1", b"Host: osnet.test"]
    lines += [b"X-Osnet-%03d: v" % i for i in range(150)]
    refused(server.addr, b"\r\n".join(lines) + b"\r\n\r\n", "a head of 151 short field lines",
            [431], report)
