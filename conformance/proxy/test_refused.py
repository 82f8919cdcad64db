"""PROXY-037..040, PROXY-043..048: requests the proxy must refuse itself (smuggling shapes,
limits, malformed heads), with which status, closing the connection, and
without anything of them reaching the origin."""
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, describe, expect_closed, get, repro,  # noqa: E402
                                      request)
from osnet_harness.timeouts import T  # noqa: E402
from proxykit import forward, origin_view  # noqa: E402

H = b"Host: osnet.test\r\n"
# Sent after each refused request, on the same connection: must be neither
# answered nor forwarded.
AFTER = get("/echo?after-refused")
SMUGGLED = b"GET /echo?smuggled HTTP/1.1\r\nHost: osnet.test\r\n\r\n"


def read_answer(c, data, what, expected):
    """The response to data, sent on c, read within T(10) (its request
    set, for the reports); an HttpError "<what>: <why>" when none comes."""
    try:
        r = c.read_response(data.split(b" ", 1)[0].decode("latin-1"), timeout=T(10))
    except HttpError as e:
        raise HttpError(f"{what}: {e}\n" + describe(data, expected)) from None
    r.request = data
    return r


def refused(server, origin, report, rq, codes, what):
    """Send rq + AFTER on one connection: the response must be one of codes,
    the connection must close, and nothing may reach the origin; a sentinel
    request on a new connection proves the proxy forwards at all (and that
    anything the refused request made it forward would have arrived first)."""
    codes = {codes} if isinstance(codes, int) else set(codes)
    want = " or ".join(map(str, sorted(codes)))
    data = rq + AFTER
    report.repro(repro(server.addr, data))
    with Conn(server.addr) as c:
        try:
            c.send(data)
        except OSError:
            pass
        r = read_answer(c, data, f"{what}: expected {want}", want)
        if r.status not in codes:
            raise HttpError(f"{what}: status {r.status}, expected {want}\n"
                            + describe(data, want, r,
                                       note=("the origin received:\n" + "\n".join(
                                           origin_view(x) for x in origin.requests))
                                       if origin.requests else "the origin received nothing"))
        expect_closed(c, f"after refusing {what} ({r.status}), the proxy must close the "
                         f"connection and answer nothing sent after it", data, timeout=T(10))
    forward(server, origin, get("/echo?sentinel"), "a plain GET after the refused request")
    leaked = [x for x in origin.requests if x.target != "/echo?sentinel"]
    if leaked:
        raise HttpError(f"{what} was refused with {r.status}, but the origin received:\n"
                        + "\n".join(origin_view(x) for x in leaked)
                        + "\n" + describe(data, "nothing of it at the origin"))


BAD_LENGTH = [
    ("two Content-Length fields with different values",
     b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nContent-Length: 49\r\n\r\n" + SMUGGLED),
    ("a Content-Length list of two different values",
     b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 0, 49\r\n\r\n" + SMUGGLED),
    ("a Content-Length with letters", b"POST /echo HTTP/1.1\r\n" + H
     + b"Content-Length: 12abc\r\n\r\n" + SMUGGLED),
    ("a negative Content-Length", b"POST /echo HTTP/1.1\r\n" + H
     + b"Content-Length: -1\r\n\r\n" + SMUGGLED),
    ("a Content-Length continued by an obs-fold line",
     b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n 49\r\n\r\n" + SMUGGLED),
]


@pytest.mark.req("PROXY-037")
@pytest.mark.parametrize("what,rq", BAD_LENGTH, ids=["two-cl", "cl-list", "letters", "minus",
                                                     "folded-cl"])
def test_invalid_content_length_gets_400(server, origin, report, what, rq):
    refused(server, origin, report, rq, 400, "a request with " + what)


# Read by Content-Length, "0\r\n\r\n" is the body (5 bytes) or the body is
# longer (60); read as chunked it is the last chunk, and the GET after it a
# request of its own. An origin that read the other way would see something
# else than the proxy did: the smuggled GET must never reach it.
CL_TE = [
    ("Content-Length then Transfer-Encoding: chunked",
     b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLED),
    ("Transfer-Encoding: chunked then Content-Length",
     b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLED),
]


@pytest.mark.req("PROXY-043")
@pytest.mark.parametrize("what,rq", CL_TE, ids=["cl-te", "te-cl"])
def test_content_length_with_transfer_encoding_is_never_ambiguous(server, origin, report,
                                                                  what, rq):
    data = rq + AFTER
    report.repro(repro(server.addr, data))
    with Conn(server.addr) as c:
        c.send(data)
        r = read_answer(c, data, f"a request with {what}: expected 400, or the origin's answer "
                                 f"to the chunked request", "a response")
        if r.status != 400:
            recs = [x for x in origin.requests if x.target == "/echo"]
            if r.status != 200 or not recs:
                raise HttpError(f"a request with {what}: expected 400, or the request forwarded "
                                f"(chunked, without Content-Length) and the origin's 200\n"
                                + describe(data, "400 or 200", r))
            rec = recs[0]
            rec.finished.wait(T(10))
            cl = rec.header_values("Content-Length")
            te = (rec.header("Transfer-Encoding") or "").lower()
            # Forwarded chunked without any Content-Length, or de-chunked
            # into a Content-Length of its own (0: the chunked body is empty).
            if not ((te == "chunked" and not cl) or (not te and cl == ["0"])):
                raise HttpError(f"a request with {what} was forwarded with its Content-Length: "
                                f"an intermediary that forwards it must remove the "
                                f"Content-Length and forward the chunked body alone (RFC 9112 "
                                f"§6.3 item 3)\nthe origin received:\n" + origin_view(rec))
            if rec.body_length:
                raise HttpError(f"a request with {what} whose chunked body is empty reached the "
                                f"origin with {rec.body_length} body bytes\n" + origin_view(rec))
        expect_closed(c, f"after answering a request with {what} ({r.status}), the proxy must "
                         f"close the connection (RFC 9112 §6.3 item 3) and answer nothing sent "
                         f"after it", data, timeout=T(10))
    forward(server, origin, get("/echo?sentinel"), "a plain GET after it")
    leaked = [x for x in origin.requests if x.target not in ("/echo", "/echo?sentinel")]
    if leaked:
        raise HttpError(f"the bytes after the chunked body of a request with {what} reached the "
                        f"origin as a request of their own (request smuggling):\n"
                        + "\n".join(origin_view(x) for x in leaked) + "\n" + describe(data, "no "
                        "request but POST /echo at the origin"))


FOLDS = [
    ("an obs-fold line (a field continued on a line starting with spaces)",
     b"GET /echo HTTP/1.1\r\n" + H + b"X-Osnet: first\r\n  continued\r\n\r\n"),
    ("an obs-fold line starting with a tab",
     b"GET /echo HTTP/1.1\r\n" + H + b"X-Osnet: first\r\n\tcontinued\r\n\r\n"),
]


@pytest.mark.req("PROXY-044")
@pytest.mark.parametrize("what,rq", FOLDS, ids=["space", "tab"])
def test_obs_fold_is_never_forwarded(server, origin, report, what, rq):
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        c.send(rq)
        r = read_answer(c, rq, f"a request with {what}", "400, or the origin's answer")
    if r.status == 400:
        forward(server, origin, get("/echo?sentinel"), "a plain GET after it")
        leaked = [x for x in origin.requests if x.target != "/echo?sentinel"]
        if leaked:
            raise HttpError(f"a request with {what} was answered 400 but also forwarded:\n"
                            + "\n".join(origin_view(x) for x in leaked))
        return
    recs = origin.wait_requests(1, T(5))
    if r.status != 200 or not recs:
        raise HttpError(f"a request with {what}: expected 400, or the request forwarded with "
                        f"the fold replaced by spaces and the origin's 200\n"
                        + describe(rq, "400 or 200", r))
    rec = recs[0]
    folded = [k for k, _ in rec.headers if k[:1] in (" ", "\t")]
    value = rec.header("X-Osnet") or ""
    if folded or not re.fullmatch(r"first[ \t]+continued", value):
        raise HttpError(f"a request with {what} was forwarded without its fold replaced by "
                        f"spaces (RFC 9112 §5.2: reject it with 400, or replace each obs-fold "
                        f"with SP before forwarding)\nthe origin received:\n" + origin_view(rec))


@pytest.mark.req("PROXY-045")
@pytest.mark.parametrize("what,rq", CL_TE + FOLDS, ids=["cl-te", "te-cl", "fold-space",
                                                        "fold-tab"])
def test_ambiguous_request_gets_400(server, origin, report, what, rq):
    refused(server, origin, report, rq, 400, "a request with " + what)


@pytest.mark.req("PROXY-038")
def test_request_line_of_8000_bytes_is_forwarded(server, origin, report):
    target = "/echo?q=" + "a" * (8000 - len("GET /echo?q= HTTP/1.1"))
    rq = get(target)
    line = rq.split(b"\r\n", 1)[0]
    r, rec = forward(server, origin, rq, f"a request line of {len(line)} bytes", report)
    if rec.target != target:
        raise HttpError(f"the {len(line)}-byte request line reached the origin changed: "
                        f"{rec.target[:80]}... ({len(rec.target)} bytes)")


def big_head():
    """50 field lines: two of 4096 bytes, the rest filling the head to 16 KiB."""
    fields = [(f"X-Osnet-{i:02d}", "v" * 4082) for i in range(2)]
    fixed = len(request("GET", "/echo", fields)) + 48 * len("X-Osnet-00: \r\n")
    each = (16 * 1024 - fixed) // 48
    fields += [(f"X-Osnet-{i:02d}", "w" * each) for i in range(2, 50)]
    return fields, request("GET", "/echo", fields)


@pytest.mark.req("PROXY-038")
def test_head_of_50_fields_and_16k_is_forwarded(server, origin, report):
    fields, rq = big_head()
    assert len(rq) <= 16 * 1024, len(rq)
    r, rec = forward(server, origin, rq, f"a head of 50 field lines, {len(rq)} bytes in all",
                     report)
    for k, v in fields:
        if rec.header(k) != v:
            raise HttpError(f"field {k} ({len(v)} bytes) did not reach the origin intact: "
                            f"{(rec.header(k) or '')[:60]!r}")


TOO_BIG = [
    ("a request line of 9000 bytes",
     b"GET /echo?q=" + b"a" * 8977 + b" HTTP/1.1\r\n" + H + b"\r\n", {414}),
    ("a field line of 8214 bytes",
     b"GET /echo HTTP/1.1\r\n" + H + b"X-Osnet-Long: " + b"L" * 8200 + b"\r\n\r\n",
     set(range(400, 500))),
    ("a head of 90 field lines, 68 KiB in all",
     b"GET /echo HTTP/1.1\r\n" + H
     + b"".join(b"X-Osnet-%02d: " % i + b"v" * 746 + b"\r\n" for i in range(90)) + b"\r\n",
     set(range(400, 500))),
]


@pytest.mark.req("PROXY-038")
@pytest.mark.parametrize("what,rq,codes", TOO_BIG, ids=["line-9000", "field-8214", "head-68k"])
def test_over_long_request_is_refused(server, origin, report, what, rq, codes):
    refused(server, origin, report, rq, codes, what)


@pytest.mark.req("PROXY-039")
@pytest.mark.parametrize("what,rq,codes", TOO_BIG[1:], ids=["field-8214", "head-68k"])
def test_over_long_head_gets_431(server, origin, report, what, rq, codes):
    refused(server, origin, report, rq, 431, what)


HOSTS = [
    ("no Host (HTTP/1.1)", b"GET /echo HTTP/1.1\r\n\r\n"),
    ("two Host fields", b"GET /echo HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n"),
    ("two Host fields with the same value", b"GET /echo HTTP/1.1\r\n" + H + H + b"\r\n"),
]


@pytest.mark.req("PROXY-040")
@pytest.mark.parametrize("what,rq", HOSTS, ids=["none", "two", "two-same"])
def test_host_missing_or_repeated_gets_400(server, origin, report, what, rq):
    refused(server, origin, report, rq, 400, "a request with " + what)


LINES = [
    ("an extra word after the version", b"GET /echo HTTP/1.1 extra\r\n" + H + b"\r\n"),
    ("a lower-case version", b"GET /echo http/1.1\r\n" + H + b"\r\n"),
    ("a version without its minor digit", b"GET /echo HTTP/1\r\n" + H + b"\r\n"),
    ("a space between a field name and its colon",
     b"GET /echo HTTP/1.1\r\n" + H + b"X-Osnet : v\r\n\r\n"),
]


@pytest.mark.req("PROXY-046")
@pytest.mark.parametrize("what,rq", LINES, ids=["extra-word", "lowercase-version", "no-minor",
                                                "space-colon"])
def test_malformed_line_gets_400(server, origin, report, what, rq):
    refused(server, origin, report, rq, 400, "a request with " + what)


@pytest.mark.req("PROXY-047")
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/3.0"])
def test_other_major_version_gets_505(server, origin, report, version):
    rq = b"GET /echo " + version.encode() + b"\r\n" + H + b"\r\n"
    refused(server, origin, report, rq, 505, f"a request with version {version}")


@pytest.mark.req("PROXY-048")
@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "chunked, gzip", "identity"])
def test_other_transfer_encoding_is_refused(server, origin, report, coding):
    rq = (b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: " + coding.encode()
          + b"\r\n\r\n0\r\n\r\n")
    refused(server, origin, report, rq, {400, 501}, f"a request with Transfer-Encoding: {coding}")
