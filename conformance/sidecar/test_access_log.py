"""SIDECAR-030..034: one JSON object per line per request."""
import calendar
import pathlib
import re
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, expect_status, get, request  # noqa: E402
from sidecarkit import (HEX16, HEX32, PID, forwarded_traceparent, log_entries,  # noqa: E402
                        parse_log_line, tid, wait_log)

TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$")
FIELDS = ["time", "level", "service", "trace_id", "span_id", "parent_id", "request_id", "method",
          "path", "status", "duration_ms", "bytes_in", "bytes_out", "upstream", "client"]


@pytest.mark.req("SIDECAR-030")
def test_one_json_line_per_request(sidecar):
    targets = ["/echo", "/status/404", "/echo/a?b=c", "/bytes/10", "/status/201"]
    with Conn(sidecar.addr) as c:
        for i, target in enumerate(targets):
            rq = get(target)
            sidecar.send(rq, conn=c)
            # One line per answered request, and no second line for it: the
            # count is checked after each request.
            log_entries(sidecar.log_path, i + 1, f"after {i + 1} answered request(s)")
    data = sidecar.log_path.read_bytes()
    assert data.endswith(b"\n"), f"the log does not end with a line end: {data[-80:]!r}"


@pytest.mark.req("SIDECAR-030")
def test_log_to_stdout_by_default(start_sidecar):
    for args in ((), ("--access-log", "-")):
        s = start_sidecar(*args, file_log=False)
        s.send(get("/echo"))
        path = pathlib.Path(s.server.stdout_path)
        lines = wait_log(path, 1)
        what = "without --access-log" if not args else "with --access-log -"
        if len(lines) != 1:
            raise HttpError(f"started {what}, after one request stdout holds {len(lines)} "
                            f"complete line(s); expected the one JSON log line:\n"
                            + path.read_bytes()[-500:].decode(errors="replace"))
        parse_log_line(lines[0])


def _check_fields(entry, want):
    problems = []
    missing = [f for f in FIELDS if f not in entry]
    if missing:
        problems.append(f"missing member(s) {missing}")
    for k, v in want.items():
        if k in entry and entry[k] != v:
            problems.append(f"{k} is {entry[k]!r}, expected {v!r}")
    return problems


@pytest.mark.req("SIDECAR-031")
def test_log_fields_and_types(start_sidecar, origin):
    s = start_sidecar("--service", "shop")
    body = b"0123456789"
    rq = request("POST", "/echo/x?q=1", [("X-Request-Id", "log-031")], body=body)
    r = s.send(rq)
    expect_status(r, 200, "POST through the sidecar", rq)
    rq2 = get("/slow/300")
    s.send(rq2)
    entries = log_entries(s.log_path, 2, "after two requests")
    e = entries[0]
    problems = _check_fields(e, {
        "level": "info", "service": "shop", "method": "POST", "path": "/echo/x", "status": 200,
        "bytes_in": len(body), "bytes_out": len(r.body), "upstream": origin.hostport,
        "client": "127.0.0.1", "request_id": "log-031"})
    m = TIME.match(str(e.get("time")))
    if not m:
        problems.append(f"time {e.get('time')!r} is not RFC 3339 UTC with milliseconds "
                        f"(2026-11-21T10:00:00.123Z)")
    else:
        t = calendar.timegm(tuple(int(x) for x in m.groups()[:6]) + (0, 0, 0))
        if abs(t - time.time()) > 900:
            problems.append(f"time {e['time']} is more than 15 minutes from now")
    for k, rx, n in (("trace_id", HEX32, 32), ("span_id", HEX16, 16)):
        if not isinstance(e.get(k), str) or not rx.match(e[k]):
            problems.append(f"{k} {e.get(k)!r} is not {n} lowercase hex digits")
    if e.get("parent_id") is not None and (not isinstance(e["parent_id"], str)
                                           or not HEX16.match(e["parent_id"])):
        problems.append(f"parent_id {e['parent_id']!r} is neither null nor 16 hex digits")
    for k in ("status", "bytes_in", "bytes_out"):
        if k in e and (type(e[k]) is not int):
            problems.append(f"{k} {e[k]!r} is not a JSON integer")
    for which in entries:
        d = which.get("duration_ms")
        if type(d) not in (int, float) or d < 0:
            problems.append(f"duration_ms {d!r} is not a number >= 0")
    d = entries[1].get("duration_ms")
    if type(d) in (int, float) and d < 300:
        problems.append(f"GET /slow/300 (answered by the origin after 300 ms) was logged with "
                        f"duration_ms {d}, less than 300")
    if problems:
        raise HttpError("log lines:\n  " + "\n  ".join(map(str, entries)) + "\nproblems:\n  "
                        + "\n  ".join(problems))


@pytest.mark.req("SIDECAR-032")
def test_log_ids_match_the_wire(sidecar):
    cases = [[("traceparent", f"00-{tid(90)}-{PID}-01"), ("X-Request-Id", "wire-1")], []]
    seen = []
    with Conn(sidecar.addr) as c:
        for headers in cases:
            rq = get("/echo", headers)
            r = sidecar.send(rq, conn=c)
            trace_id, span, _ = forwarded_traceparent(r, rq)
            seen.append((trace_id, span, r.get("X-Request-Id")))
    entries = log_entries(sidecar.log_path, 2, "after two requests")
    problems = []
    for e, (trace_id, span, rid), parent in zip(entries, seen, (PID, None)):
        want = {"trace_id": trace_id, "span_id": span, "parent_id": parent, "request_id": rid}
        for k, v in want.items():
            if e.get(k) != v:
                problems.append(f"{k} is {e.get(k)!r}; on the wire it was {v!r}")
    if problems:
        raise HttpError("log lines:\n  " + "\n  ".join(map(str, entries)) + "\nproblems:\n  "
                        + "\n  ".join(problems))


@pytest.mark.req("SIDECAR-033")
def test_log_strings_escaped(sidecar):
    rid = 'a "quoted" \\ id with spaces {}'
    path = '/caf\u00e9/\u20ac/a"b\\c'
    cases = [
        (request("GET", path.encode() + b"?q=1", [("X-Request-Id", rid)]), path, rid),
        (request("GET", b"/bad/\xff\xfe/end"), None, None),
    ]
    with Conn(sidecar.addr) as c:
        for rq, _, _ in cases:
            sidecar.send(rq, conn=c)
    entries = log_entries(sidecar.log_path, 2, "after two requests")  # both parse as JSON
    e = entries[0]
    if e.get("path") != path or e.get("request_id") != rid:
        raise HttpError(f"a request for {path!r} with X-Request-Id {rid!r} was logged with "
                        f"path {e.get('path')!r} and request_id {e.get('request_id')!r}; "
                        f"expected them exactly (JSON escapes decoded)")
    p = entries[1].get("path")
    if not isinstance(p, str) or not p.startswith("/bad/") or not p.endswith("/end"):
        raise HttpError(f"a path with bytes that are not UTF-8 (/bad/\\xff\\xfe/end) was logged "
                        f"as {p!r}; expected /bad/<replacement>/end")


@pytest.mark.req("SIDECAR-034")
def test_failed_exchange_logged(sidecar, origin):
    origin.down()
    rq = get("/echo")
    expect_status(sidecar.send(rq), 502, "with the origin refusing connections", rq)
    e = log_entries(sidecar.log_path, 1, "after one request answered with 502")[0]
    if e.get("status") != 502 or e.get("path") != "/echo":
        raise HttpError(f"the 502 was logged as {e}; expected status 502, path /echo")
