"""ITEMS-090..094: one JSON object per stderr line, one request line per response."""
import calendar
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import (ABSENT_ID, HEX32, RFC3339_MS_Z, conn_from, is_int, is_num,  # noqa: E402
                      log_records, request_lines, stop_gracefully, wait_request_lines)
from osnet_harness.httpclient import Conn, HttpError, request  # noqa: E402

TID = "4bf92f3577b34da6a3ce929d0e0e4736"


def send_raw(svc, data, method="GET"):
    with Conn(svc.addr) as c:
        try:
            c.send(data)
        except OSError:
            pass
        try:
            return c.read_response(method).status
        except HttpError:
            return None


@pytest.mark.req("ITEMS-090")
def test_every_stderr_line_is_json(fresh):
    svc = fresh
    item = svc.create(name='log "quoted" \\ \u00e9 \U0001F600')
    paths = [b"/items/%22quoted%22", "/items/caf\u00e9/\u20ac".encode(), b"/items/\xff\xfe",
             b'/a"b\\c', b"/items/" + str(item["id"]).encode()]
    for p in paths:
        send_raw(svc, b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    send_raw(svc, b"\x01\x02 garbage\r\n\r\n")
    rc = stop_gracefully(svc.server)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    recs = log_records(svc.server, complete_only=False)   # every line, the last one included
    listening = [r for r in recs if str(r.get("msg", "")).startswith("listening on")]
    assert listening, "no stderr line whose msg starts with 'listening on': " + \
        "; ".join(str(r.get("msg")) for r in recs[:5])
    reqs = [r for r in recs if r.get("msg") == "request"]
    assert reqs, "no request lines on stderr"


def _lines_by_path(server, paths):
    recs = request_lines(server)
    return {p: [r for r in recs if r.get("path") == p] for p in paths}


@pytest.mark.req("ITEMS-091")
def test_request_line_members(fresh):
    svc = fresh
    item = svc.create()
    paths = [f"/items/{item['id']}", f"/items/{ABSENT_ID}", "/healthz", "/nothing/here"]
    with conn_from(svc.addr, "127.0.0.2") as c:
        results = [svc.call("GET", p, conn=c).status for p in paths]
        r = svc.call("DELETE", f"/items/{item['id']}", conn=c)
    t_now = time.time()
    rc = stop_gracefully(svc.server)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    by = _lines_by_path(svc.server, paths)
    wrong = []
    for p, status in zip(paths, results):
        lines = [x for x in by[p] if x.get("method") == "GET"]
        if len(lines) != 1:
            wrong.append(f"GET {p}: {len(lines)} request lines, expected exactly 1: {lines}")
            continue
        x = lines[0]
        t = x.get("time")
        if not isinstance(t, str) or not RFC3339_MS_Z.match(t):
            wrong.append(f"GET {p}: time {t!r} is not RFC 3339 UTC with milliseconds "
                         f"(2026-11-22T03:00:00.123Z)")
        else:
            ts = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
            if abs(ts - t_now) > 900:
                wrong.append(f"GET {p}: time {t} is more than 15 minutes from now")
        want = {"msg": "request", "method": "GET", "path": p, "client": "127.0.0.2"}
        for k, v in want.items():
            if x.get(k) != v:
                wrong.append(f"GET {p}: {k} {x.get(k)!r}, expected {v!r}")
        if not is_int(x.get("status")) or x["status"] != status:
            wrong.append(f"GET {p}: status {x.get('status')!r}, the response had {status}")
        if not is_num(x.get("latency_ms")) or x["latency_ms"] < 0:
            wrong.append(f"GET {p}: latency_ms {x.get('latency_ms')!r} is not a number >= 0")
    routes = {f"/items/{item['id']}": "/items/{id}", f"/items/{ABSENT_ID}": "/items/{id}",
              "/healthz": "/healthz", "/nothing/here": "other"}
    for p, route in routes.items():
        for x in by[p]:
            if x.get("route") != route:
                wrong.append(f"{x.get('method')} {p}: route {x.get('route')!r}, expected {route!r}")
    dels = [x for x in by[f"/items/{item['id']}"] if x.get("method") == "DELETE"]
    if len(dels) != 1 or dels[0].get("status") != r.status:
        wrong.append(f"DELETE: request lines {dels}, expected one with status {r.status}")
    assert not wrong, "request lines:\n  " + "\n  ".join(wrong)


@pytest.mark.req("ITEMS-091")
def test_layer_errors_logged(fresh):
    svc = fresh
    sends = [(b"\x01\x02 not http at all\r\n\r\n", "other", 400),
             (request("DELETE", "/items"), "/items", 405),
             (request("GET", "/x/y"), "other", 404)]
    for data, _, _ in sends:
        send_raw(svc, data)
    rc = stop_gracefully(svc.server)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    recs = request_lines(svc.server)
    wrong = []
    for data, route, status in sends:
        got = [x for x in recs if x.get("status") == status]
        if len(got) != 1:
            wrong.append(f"{data[:30]!r}... answered {status}: {len(got)} request lines, "
                         f"expected 1: {got}")
        elif route == "other" and got[0].get("route") != "other":
            wrong.append(f"{data[:30]!r}...: route {got[0].get('route')!r}, expected 'other'")
    assert not wrong, ("responses the HTTP layer makes itself are logged too:\n  "
                       + "\n  ".join(wrong))


@pytest.mark.req("ITEMS-092")
def test_levels(start):
    svc = start("--max-items", "1", "--log-level", "debug")
    a = svc.create()
    svc.call("GET", f"/items/{a['id']}")                  # 200
    svc.call("POST", "/items", {"price": 1})              # 422
    svc.call("GET", "/nothing")                           # 404
    r = svc.call("POST", "/items", {"name": "b", "price": 1})
    svc.expect(r, 503, "a create past --max-items 1")
    lines = wait_request_lines(svc.server, lambda x: x.get("status") == 503, 1, "the 503's line")
    recs = request_lines(svc.server)
    wrong = []
    for x in recs:
        st = x.get("status")
        if not is_int(st):
            wrong.append(f"status {st!r} is not an integer: {x}")
            continue
        want = "info" if st < 400 else "warn" if st < 500 else "error"
        if x.get("level") != want:
            wrong.append(f"{x.get('method')} {x.get('path')} {st}: level {x.get('level')!r}, "
                         f"expected {want!r}")
    seen = {x.get("status") for x in recs}
    assert {201, 200, 422, 404, 503} <= seen, f"request lines for statuses {sorted(seen)}"
    assert lines and not wrong, "levels:\n  " + "\n  ".join(wrong)


@pytest.mark.req("ITEMS-093")
def test_trace_id(fresh):
    svc = fresh
    cases = [("valid", f"00-{TID}-00f067aa0ba902b7-01", TID),
             ("valid, other flags", f"00-{TID[:-4]}beef-00f067aa0ba902b7-00", TID[:-4] + "beef"),
             ("none", None, None),
             ("upper-case hex", f"00-{TID.upper()}-00F067AA0BA902B7-01", None),
             ("all-zero trace-id", f"00-{'0' * 32}-00f067aa0ba902b7-01", None),
             ("version ff", f"ff-{TID}-00f067aa0ba902b7-01", None),
             ("too short", f"00-{TID[:-1]}-00f067aa0ba902b7-01", None),
             ("none again", None, None)]
    for n, (what, tp, _) in enumerate(cases):
        hs = [("traceparent", tp)] if tp else []
        with Conn(svc.addr) as c:
            c.send(request("GET", f"/items/{ABSENT_ID + n}", hs))
            c.read_response()
    lines = wait_request_lines(svc.server, lambda x: str(x.get("path", "")).startswith(
        f"/items/{str(ABSENT_ID)[:-1]}"), len(cases), "request lines")
    by = {x["path"]: x for x in lines}
    wrong, ids = [], []
    for n, (what, tp, want) in enumerate(cases):
        x = by.get(f"/items/{ABSENT_ID + n}")
        if x is None:
            wrong.append(f"{what}: no request line")
            continue
        tid = x.get("trace_id")
        ids.append(tid)
        if want is not None:
            if tid != want:
                wrong.append(f"traceparent {tp}: trace_id {tid!r}, expected {want!r}")
            continue
        if not isinstance(tid, str) or not HEX32.match(tid) or set(tid) == {"0"}:
            wrong.append(f"{what} ({tp}): trace_id {tid!r} is not 32 lowercase hex, not all zero")
        elif tp and tid == TID:
            wrong.append(f"{what} ({tp}): the invalid traceparent's trace-id was used")
    fresh_ids = [t for t, (_, _, w) in zip(ids, cases) if w is None]
    if len(set(fresh_ids)) != len(fresh_ids):
        wrong.append(f"new trace ids repeat: {fresh_ids}")
    assert not wrong, "trace_id:\n  " + "\n  ".join(wrong)


@pytest.mark.req("ITEMS-094")
@pytest.mark.parametrize("level", ["warn", "error"])
def test_log_level(start, level):
    svc = start("--log-level", level)
    svc.call("GET", "/healthz")
    svc.call("GET", "/items")
    svc.call("GET", "/nothing")
    rc = stop_gracefully(svc.server)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    recs = log_records(svc.server, complete_only=False)
    reqs = [x for x in recs if x.get("msg") == "request"]
    low = [x for x in recs if x.get("level") in ("debug", "info")]
    assert not low, f"--log-level {level}: lines below {level} were written: {low[:3]}"
    n404 = [x for x in reqs if x.get("status") == 404]
    if level == "warn":
        assert len(n404) == 1, f"--log-level warn: the 404's request line is missing: {reqs}"
    else:
        assert not n404, "--log-level error: the 404's (warn) request line was written"
