"""HTTP-036: the access log in the Combined Log Format."""
import calendar
import pathlib
import re
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, exchange, get, request  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

LINE = re.compile(r'^(?P<client>\S+) (?P<ident>\S+) (?P<user>\S+) '
                  r'\[(?P<day>\d{2})/(?P<mon>[A-Z][a-z]{2})/(?P<year>\d{4}):(?P<hh>\d{2}):'
                  r'(?P<mm>\d{2}):(?P<ss>\d{2}) (?P<zone>[+-]\d{4})\] '
                  r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+|-) '
                  r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$')
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
UA = "osnet-test/1.0 (access log)"
REFERER = "http://referer.test/page"


def log_lines(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [l for l in data.decode("utf-8", "replace").split("\n")[:-1]]  # complete lines only


def wait_lines(path, n, timeout):
    """Wait until the log holds at least n complete lines; return them."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log_lines(path)
        if len(lines) >= n or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def stamp(m):
    t = calendar.timegm((int(m["year"]), MONTHS.index(m["mon"]) + 1 if m["mon"] in MONTHS else 0,
                         int(m["day"]), int(m["hh"]), int(m["mm"]), int(m["ss"]), 0, 0, 0))
    z = int(m["zone"])
    return t - (abs(z) // 100 * 3600 + abs(z) % 100 * 60) * (1 if z >= 0 else -1)


@pytest.mark.req("HTTP-036")
def test_one_combined_log_line_per_request(launcher, site, workdir, report):
    path = pathlib.Path(workdir) / "access.log"
    s = launcher.start(args=["--access-log", str(path)])
    cases = [
        (request("GET", "/hello.txt", [("User-Agent", UA), ("Referer", REFERER)]),
         "GET /hello.txt HTTP/1.1", "200", {"6"}, REFERER, UA),
        (get("/nope-not-here.txt"), "GET /nope-not-here.txt HTTP/1.1", "404", None, "-", "-"),
        (request("HEAD", "/hello.txt", [("User-Agent", UA)]), "HEAD /hello.txt HTTP/1.1", "200",
         {"0", "-"}, "-", UA),
        (get("/index.html?q=1", [("User-Agent", UA)]), "GET /index.html?q=1 HTTP/1.1", "200",
         {str(len(site["/index.html"]))}, "-", UA),
    ]
    with Conn(s.addr) as c:
        for i, case in enumerate(cases):
            exchange(s.addr, case[0], conn=c)
            # Each line once its request is answered; waiting for line i+1
            # before the next request also shows no request is logged twice.
            lines = wait_lines(path, i + 1, T(10))
            if len(lines) != i + 1:
                raise HttpError(f"started with --access-log {path}: after {i + 1} answered "
                                f"request(s) the log has {len(lines)} line(s) (waited "
                                f"{T(10):.0f}s); expected one per request:\n  "
                                + "\n  ".join(lines or ["(empty)"]))
    now = time.time()
    for line, (rq, req_line, status, nbytes, referer, agent) in zip(lines, cases):
        m = LINE.match(line)
        if not m:
            raise HttpError(f"access log line {line!r} is not in the Combined Log Format\n"
                            f"expected like: 127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "
                            f"\"GET /a.txt HTTP/1.1\" 200 5 \"-\" \"curl/7.88.1\"")
        problems = []
        if m["client"] != "127.0.0.1":
            problems.append(f"client {m['client']!r}, expected 127.0.0.1")
        if m["mon"] not in MONTHS or abs(stamp(m) - now) > 900:
            problems.append("the time is not a valid date close to now")
        for field, want in (("request", req_line), ("status", status), ("referer", referer),
                            ("agent", agent)):
            if m[field] != want:
                problems.append(f"{field} {m[field]!r}, expected {want!r}")
        if nbytes is not None and m["bytes"] not in nbytes:
            problems.append(f"body bytes {m['bytes']!r}, expected {' or '.join(sorted(nbytes))}")
        if problems:
            raise HttpError(f"access log line {line!r} for the request {req_line!r}: "
                            + "; ".join(problems))
