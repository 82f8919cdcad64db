"""HTTP-001..004: listening, the shape of every response, Date and
Content-Length, HEAD."""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, curl, describe, exchange, expect_status, fetch, get,  # noqa: E402
                        parse_imf_fixdate, pipeline, repro, request, show)
from osnet_harness.timeouts import T  # noqa: E402


@pytest.mark.req("HTTP-001")
def test_listens_on_the_given_port(launcher, site, report):
    first = launcher.start()
    second = launcher.start()
    for s in (first, second):
        report.repro(curl(s.addr, "/"))
        r = fetch(s.addr, get("/"))
        expect_status(r, 200, f"GET / to the instance started on port {s.port}", addr=s.addr)
        assert r.body == site["/index.html"], (
            f"GET / on port {s.port} did not return index.html\n"
            + describe(r.request, f"the {len(site['/index.html'])} bytes of index.html", r))


def varied_requests(site):
    """Requests that get different kinds of response from a static server
    (each handler may write its own head: every kind is checked)."""
    return [
        get("/hello.txt"),
        get("/nope-not-here.txt"),                                   # 404
        get("/sub"),                                                 # 301
        get("/hello.txt", [("If-Modified-Since", site.last_modified)]),  # 304
        request("HEAD", "/index.html"),
        get("/empty.txt"),                                           # 200, empty body
        get("/small.bin", [("Range", "bytes=2-5")]),                 # 206
        get("/small.bin", [("Range", "bytes=5000-")]),               # 416
        get("/noindex/"),                                            # 403 or 404
        get("/"),
    ]


# Requests sent alone, each on its own connection, after whose response the
# server closes (Connection: close, or a request it must refuse): a body the
# server may not read (HTTP-017 is checked on its own), and refusals, which
# often come from their own code path with their own head.
CLOSE = [("Connection", "close")]
REFUSED = [
    request("POST", "/hello.txt", CLOSE, body=b"x"),                 # 405
    b"GET / HTTP/1.1\r\n\r\n",                                       # no Host: 400
    b"GET / HTTP/2.0\r\nHost: osnet.test\r\n\r\n",                   # 505
    request("BREW", "/hello.txt", CLOSE),                            # 501 (SHOULD)
    get("/hello.txt?q=" + "a" * 9000),                               # 414
    get("/hello.txt", [("X-Osnet-Long", "L" * 8200)]),               # 431 (or another 4xx)
    request("POST", "/hello.txt", CLOSE + [("Content-Length", "2000000")]),  # 413, body unsent
]


@pytest.mark.req("HTTP-002")
def test_status_line_and_fields_are_well_formed(server, site, report):
    reqs = varied_requests(site) + [get("/hello.txt", version="HTTP/1.0")] + REFUSED
    for rq in reqs:
        report.repro(repro(server.addr, rq))
        r = fetch(server.addr, rq)
        problems = list(r.problems)
        if r.version != "HTTP/1.1":
            problems.insert(0, f"the status line says {r.version}, not HTTP/1.1")
        if problems:
            raise HttpError("the response does not follow the HTTP/1.1 message grammar:\n  "
                            + "\n  ".join(problems) + "\n"
                            + describe(rq, "'HTTP/1.1 <code> <reason>' CRLF, then "
                                       "'name: value' CRLF lines, then CRLF", r))


CLOCK_SLACK = 900  # seconds a Date may be off ("close to the real time")


def check_date_and_length(r, now):
    """Problems with the Date and Content-Length of one response."""
    out = []
    dates = r.get_all("Date")
    if len(dates) != 1:
        out.append(f"{len(dates)} Date fields, expected exactly one")
    elif parse_imf_fixdate(dates[0]) is None:
        out.append(f"Date {dates[0]!r} is not an IMF-fixdate like 'Sat, 21 Nov 2026 10:00:00 GMT'")
    elif abs(parse_imf_fixdate(dates[0]) - now) > CLOCK_SLACK:
        out.append(f"Date {dates[0]!r} is {parse_imf_fixdate(dates[0]) - now:+.0f}s off this "
                   f"machine's clock (allowed: {CLOCK_SLACK}s)")
    if not (100 <= r.status < 200 or r.status in (204, 304)):
        cls = r.get_all("Content-Length")
        if len(cls) != 1:
            out.append(f"{len(cls)} Content-Length fields, expected exactly one"
                       + (f" (the body was {r.framing}-delimited)" if not cls else ""))
    elif r.body:
        out.append(f"a {r.status} response has a body of {len(r.body)} bytes")
    return out


@pytest.mark.req("HTTP-003")
def test_every_response_has_date_and_content_length(server, site, report):
    reqs = varied_requests(site)
    report.repro(repro(server.addr, b"".join(reqs)))
    with Conn(server.addr) as c:
        # Back to back on one connection: a Content-Length that does not match
        # the body, or a 304 with a body, garbles the response after it.
        resps = pipeline(c, reqs)
    for rq in REFUSED:
        # Alone on a connection the server closes after the response: bytes
        # after the body the Content-Length announced mean it was too small.
        c, r = exchange(server.addr, rq)
        with c:
            extra, why = c.read_eof(T(10))
        if extra:
            raise HttpError(f"{len(extra)} bytes came after the body its Content-Length "
                            f"announced, before the server closed: {show(extra)}\n"
                            + describe(rq, "a Content-Length equal to the body's size", r))
        resps.append(r)
    now = time.time()
    for r in resps:
        problems = check_date_and_length(r, now)
        if problems:
            raise HttpError("; ".join(problems) + "\n" + describe(
                r.request, "one Date (IMF-fixdate) and, unless 1xx/204/304, one Content-Length "
                "equal to the body's size", r))


HEAD_TARGETS = ["/hello.txt", "/index.html", "/", "/big.bin", "/types/file.css",
                "/nope-not-here.txt", "/empty.txt"]


@pytest.mark.req("HTTP-004")
def test_head_gets_the_headers_of_get_without_body(server, site, report):
    for target in HEAD_TARGETS:
        head = request("HEAD", target)
        report.repro(curl(server.addr, target, "-I "))
        with Conn(server.addr) as c:
            # One after another on one connection: a body after the HEAD
            # response would arrive where the GET's response should start.
            try:
                h, g, h2 = [exchange(server.addr, rq, conn=c)[1]
                            for rq in (head, get(target), head)]
            except HttpError as e:
                raise HttpError(f"HEAD {target} then GET {target} then HEAD again on one "
                                f"connection: {e}\n(a HEAD response must end with its empty "
                                f"line: a body after it is read as the next response)") from None
        if h.status != g.status:
            raise HttpError(f"HEAD {target} got {h.status}, GET {target} got {g.status}\n"
                            + describe(head, f"status {g.status}, like the GET", h))
        for name in ("Content-Length", "Content-Type", "Last-Modified"):
            if h.get(name) != g.get(name):
                raise HttpError(f"HEAD {target}: {name} is {h.get(name)!r} but GET gives "
                                f"{g.get(name)!r}\n"
                                + describe(head, f"{name}: {g.get(name)}", h))
        if h2.status != h.status:
            raise HttpError(f"the second HEAD {target} on the connection got {h2.status}, the "
                            f"first {h.status}\n" + describe(head, str(h.status), h2))
        if target in site.files and g.status == 200 and g.body != site[target]:
            raise HttpError(f"GET {target} after a HEAD returned other bytes than the file: "
                            f"{show(g.body)}")
