"""HTTP-032..034: Last-Modified, If-Modified-Since, byte ranges."""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, curl, describe, expect_status, fetch, get,  # noqa: E402
                        imf_fixdate, pipeline)
from osnet_harness.net import describe_diff  # noqa: E402

DAY = 86400


# Files with different modification times (httpsite.OWN_MTIME): a
# Last-Modified taken from anything but the file's own mtime is wrong for one
# of them.
DATED = ["/hello.txt", "/small.bin", "/sub/page.txt", "/index.html"]


@pytest.mark.req("HTTP-032")
def test_last_modified_is_the_files_mtime(server, site, report):
    with Conn(server.addr) as c:
        resps = pipeline(c, [get(t) for t in DATED])
    for target, r in zip(DATED, resps):
        report.repro(curl(server.addr, target, "-I "))
        expect_status(r, 200, f"GET {target}")
        want = site.last_modified_of(target)
        if r.get_all("Last-Modified") != [want]:
            raise HttpError(f"Last-Modified of {target} is {r.get('Last-Modified')!r}; the file "
                            f"was last modified at {want} (these files have different "
                            f"modification times: {', '.join(DATED)})\n"
                            + describe(r.request, f"Last-Modified: {want}", r))


@pytest.mark.req("HTTP-032")
@pytest.mark.parametrize("target", DATED[:3])
def test_if_modified_since_equal_gets_304(server, site, report, target):
    lm = site.last_modified_of(target)
    ims = get(target, [("If-Modified-Since", lm)])
    report.repro(curl(server.addr, target, f"-H 'If-Modified-Since: {lm}' "))
    with Conn(server.addr) as c:
        # A GET behind the 304: a body after the 304 would garble its response.
        r, after = pipeline(c, [ims, get("/hello.txt")])
    expect_status(r, 304, f"GET {target} with If-Modified-Since equal to its Last-Modified")
    if after.status != 200 or after.body != site["/hello.txt"]:
        raise HttpError("the GET sent after the 304 was not answered with hello.txt (did the 304 "
                        "carry a body?)\n" + describe(after.request, "200 hello", after))


@pytest.mark.req("HTTP-032")
@pytest.mark.parametrize("target,value", [
    ("/hello.txt", "not a date"), ("/hello.txt", "Sat, 45 Foo 2024 99:99:99 GMT"),
    ("/hello.txt", ""), ("/hello.txt", "EARLIER"),
    # A day before the file's own date, but after the other files' (and the
    # document root's): a server comparing with the wrong time answers 304.
    ("/small.bin", "EARLIER"),
    # asctime, one of the obsolete formats a recipient must accept (RFC 9110
    # §5.6.7), a day before: 200 whether it is parsed or ignored.
    ("/hello.txt", "ASCTIME-EARLIER"),
])
def test_if_modified_since_earlier_or_invalid_gets_200(server, site, report, target, value):
    mtime = site.mtimes[target]
    if value == "EARLIER":
        value = imf_fixdate(mtime - DAY)
    elif value == "ASCTIME-EARLIER":
        value = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(mtime - DAY))
    rq = get(target, [("If-Modified-Since", value)])
    report.repro(curl(server.addr, target, f"-H 'If-Modified-Since: {value}' "))
    r = fetch(server.addr, rq)
    expect_status(r, 200, f"GET {target} (modified {site.last_modified_of(target)}) with "
                          f"If-Modified-Since: {value!r}")
    if r.body != site[target]:
        raise HttpError(describe(rq, f"200 and the {len(site[target])} bytes of {target}", r))


@pytest.mark.req("HTTP-033")
def test_if_modified_since_later_gets_304(server, site, report):
    later = imf_fixdate(site.mtime + DAY)
    rq = get("/hello.txt", [("If-Modified-Since", later)])
    r = fetch(server.addr, rq)
    expect_status(r, 304, f"GET /hello.txt with If-Modified-Since a day after its "
                          f"modification time ({later})")


RANGES = [
    ("bytes=2-5", 2, 5),
    ("bytes=1000-", 1000, 1023),
    ("bytes=-10", 1014, 1023),
    ("bytes=0-0", 0, 0),
    ("bytes=1020-5000", 1020, 1023),
    ("bytes=0-", 0, 1023),
]


@pytest.mark.req("HTTP-034")
def test_accept_ranges_on_200(server, site, report):
    r = fetch(server.addr, get("/small.bin"))
    expect_status(r, 200, "GET /small.bin")
    if "bytes" not in r.tokens("Accept-Ranges"):
        raise HttpError(describe(r.request, "Accept-Ranges: bytes", r))


@pytest.mark.req("HTTP-034")
@pytest.mark.parametrize("spec,first,last", RANGES, ids=[r[0] for r in RANGES])
def test_range_gets_206(server, site, report, spec, first, last):
    data = site["/small.bin"]
    rq = get("/small.bin", [("Range", spec)])
    report.repro(curl(server.addr, "/small.bin", f"-H 'Range: {spec}' "))
    r = fetch(server.addr, rq)
    expect_status(r, 206, f"GET /small.bin ({len(data)} bytes) with Range: {spec}")
    want = f"bytes {first}-{last}/{len(data)}"
    if r.get("Content-Range") != want:
        raise HttpError(f"Range: {spec} on a {len(data)}-byte file\n"
                        + describe(rq, f"Content-Range: {want}", r))
    if r.body != data[first:last + 1]:
        raise HttpError(f"Range: {spec}: wrong bytes\n" + describe_diff(data[first:last + 1], r.body))


@pytest.mark.req("HTTP-034")
@pytest.mark.parametrize("spec", ["bytes=1024-", "bytes=5000-6000"])
def test_unsatisfiable_range_gets_416(server, site, report, spec):
    rq = get("/small.bin", [("Range", spec)])
    report.repro(curl(server.addr, "/small.bin", f"-H 'Range: {spec}' "))
    r = fetch(server.addr, rq)
    expect_status(r, 416, f"GET /small.bin (1024 bytes) with Range: {spec}")
    if r.get("Content-Range") != "bytes */1024":
        raise HttpError(describe(rq, "Content-Range: bytes */1024", r))
