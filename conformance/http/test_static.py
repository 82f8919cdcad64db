"""HTTP-027..031: static files: bytes, percent-decoding, traversal,
directories, media types."""
import pathlib
import sys
import urllib.parse

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, curl, describe, exchange, expect_status, fetch,  # noqa: E402
                        get, pipeline, repro)
from httpsite import MIME, OCTET, SECRET  # noqa: E402
from osnet_harness.net import describe_diff  # noqa: E402

FILES = ["/hello.txt", "/empty.txt", "/index.html", "/small.bin", "/mid.bin", "/big.bin"]


def expect_file(r, body, what, addr=None):
    expect_status(r, 200, what, addr=addr)
    cl = r.get("Content-Length")
    if r.body != body or cl != str(len(body)):
        raise HttpError(f"{what}: the response is not the file (Content-Length {cl}, "
                        f"file size {len(body)})\n" + describe_diff(body, r.body)
                        + "\n" + describe(r.request, f"200 and the {len(body)} bytes of the file", r))


@pytest.mark.req("HTTP-027")
@pytest.mark.parametrize("target", FILES)
def test_file_bytes_are_exact(server, site, report, target):
    report.repro(curl(server.addr, target) + f" && cmp - {site.root}{target}")
    r = fetch(server.addr, get(target))
    expect_file(r, site[target], f"GET {target}")


@pytest.mark.req("HTTP-027")
def test_large_file_twice_on_one_connection(server, site, report):
    with Conn(server.addr) as c:
        for i in range(2):
            _, r = exchange(server.addr, get("/big.bin"), conn=c)
            expect_file(r, site["/big.bin"], f"GET /big.bin (#{i + 1} on one connection)")


DECODED = [
    ("/with%20space.txt", "/with space.txt"),
    ("/per%25cent.txt", "/per%cent.txt"),
    ("/plus+sign.txt", "/plus+sign.txt"),
    ("/plus%2Bsign.txt", "/plus+sign.txt"),
    ("/hash%23tag.txt", "/hash#tag.txt"),
    ("/%C3%BCn%C3%AFcode.txt", "/\u00fcn\u00efcode.txt"),
    ("/%c3%bcn%c3%afcode.txt", "/\u00fcn\u00efcode.txt"),
    ("/hello%2Etxt", "/hello.txt"),
    ("/%68%65llo.txt", "/hello.txt"),
    ("/hello.txt?x=1&y=two", "/hello.txt"),
    ("/hello.txt?/../osnet-secret.txt", "/hello.txt"),
    ("/sub/page.txt?", "/sub/page.txt"),
]


@pytest.mark.req("HTTP-028")
@pytest.mark.parametrize("target,path", DECODED, ids=[t for t, _ in DECODED])
def test_path_is_percent_decoded(server, site, report, target, path):
    report.repro(curl(server.addr, target))
    r = fetch(server.addr, get(target))
    expect_file(r, site[path], f"GET {target} (the file {path!r})")


BAD_ESCAPES = ["/hello.txt%00", "/hel%00lo.txt", "/hel%zzlo.txt", "/hello.txt%", "/hello.txt%4",
               "/%g0hello.txt"]


@pytest.mark.req("HTTP-028")
@pytest.mark.parametrize("target", BAD_ESCAPES)
def test_nul_or_malformed_escape_gets_400(server, report, target):
    rq = get(target)
    report.repro(repro(server.addr, rq))
    r = fetch(server.addr, rq)
    expect_status(r, 400, f"GET {target}", addr=server.addr)


TRAVERSAL = [
    "/../osnet-secret.txt",
    "/%2e%2e/osnet-secret.txt",
    "/%2E%2E/osnet-secret.txt",
    "/.%2e/osnet-secret.txt",
    "/..%2fosnet-secret.txt",
    "/..%2Fosnet-secret.txt",
    "/%2e%2e%2fosnet-secret.txt",
    "/sub/../../osnet-secret.txt",
    "/sub/%2e%2e/%2e%2e/osnet-secret.txt",
    "/sub/..%2f..%2fosnet-secret.txt",
    "/./../osnet-secret.txt",
    "//../osnet-secret.txt",
    "/noindex/../../osnet-secret.txt",
    "/..",
    "/../",
    "/..%5cosnet-secret.txt",
    "/%252e%252e/osnet-secret.txt",
    "/../../../../../../../../../../etc/passwd",
    "http://osnet.test/../osnet-secret.txt",
    "http://osnet.test/%2e%2e/osnet-secret.txt",
    "http://osnet.test/sub/../../osnet-secret.txt",
]


@pytest.mark.req("HTTP-029")
@pytest.mark.parametrize("target", TRAVERSAL)
def test_no_file_outside_the_root_is_served(server, site, report, target):
    rq = get(target)
    report.repro(repro(server.addr, rq))
    c = Conn(server.addr)
    with c:
        c.send(rq)
        try:
            r = c.read_response("GET")
        except HttpError as e:
            raise HttpError(f"GET {target}: {e}\n" + describe(rq, "400, 403 or 404")) from None
    r.request = rq
    if SECRET in r.body or b"root:x:0:0" in r.body:
        raise HttpError(f"GET {target} returned a file from OUTSIDE the document root "
                        f"({site.secret} or /etc/passwd)\n"
                        + describe(rq, "400, 403 or 404, never the file's bytes", r))
    if not (r.status in (400, 403, 404) or 200 <= r.status < 400):
        raise HttpError(f"GET {target}: status {r.status}; expected the path to be refused "
                        f"(400, 403, 404) or resolved inside the root\n"
                        + describe(rq, "400, 403 or 404", r))


@pytest.mark.req("HTTP-030")
def test_index_html_is_served_for_directories(server, site, report):
    with Conn(server.addr) as c:
        root, sub = pipeline(c, [get("/"), get("/sub/")])
    expect_file(root, site["/index.html"], "GET / (index.html)")
    expect_file(sub, site["/sub/index.html"], "GET /sub/ (sub/index.html)")


@pytest.mark.req("HTTP-030")
@pytest.mark.parametrize("target", ["/sub", "/noindex", "/sub?x=1"])
def test_directory_without_slash_is_redirected(server, site, report, target):
    rq = get(target)
    report.repro(curl(server.addr, target))
    r = fetch(server.addr, rq)
    expect_status(r, 301, f"GET {target} (a directory named without its trailing slash)")
    loc = r.get("Location")
    base = f"http://osnet.test{target}"
    path = urllib.parse.urlsplit(urllib.parse.urljoin(base, loc or "")).path
    want = urllib.parse.urlsplit(base).path + "/"
    if loc is None or path != want:
        raise HttpError(f"GET {target}: the 301's Location {loc!r} does not lead to {want}\n"
                        + describe(rq, f"Location: {want} (or an absolute URL with that path)", r))


@pytest.mark.req("HTTP-030")
def test_directory_without_index_is_not_listed(server, site, report):
    rq = get("/noindex/")
    report.repro(curl(server.addr, "/noindex/"))
    r = fetch(server.addr, rq)
    expect_status(r, {403, 404}, "GET /noindex/ (a directory without index.html)")
    if b"listing-canary" in r.body:
        raise HttpError("GET /noindex/ listed the directory's files\n"
                        + describe(rq, "403 or 404, no listing", r))


@pytest.mark.req("HTTP-030")
@pytest.mark.parametrize("target", ["/nope-not-here.txt", "/sub/nope", "/nodir/file.txt",
                                    "/hello.txt/more"])
def test_missing_file_gets_404(server, site, report, target):
    rq = get(target)
    report.repro(curl(server.addr, target))
    r = fetch(server.addr, rq)
    expect_status(r, 404, f"GET {target} (nothing by that name)")


TYPES = [(f"/types/file.{ext}", mt) for ext, mt in MIME.items()] + [
    ("/types/file.osnetx", OCTET), ("/types/noext", OCTET), ("/index.html", "text/html")]


@pytest.mark.req("HTTP-031")
def test_content_type_follows_the_extension(server, site, report):
    wrong = []
    with Conn(server.addr) as c:
        resps = pipeline(c, [get(t) for t, _ in TYPES])
    for (target, want), r in zip(TYPES, resps):
        expect_file(r, site[target], f"GET {target}")
        if r.media_type() != want:
            wrong.append(f"{target}: Content-Type {r.get('Content-Type')!r}, expected {want}")
    if wrong:
        raise HttpError("wrong media types (compared before any ';'):\n  " + "\n  ".join(wrong))
