"""SIDECAR-040..048: Prometheus metrics on the metrics port."""
import math
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, describe, expect_status, get,  # noqa: E402
                                      request)
from sidecarkit import echoed, histogram_problems, media_params, promtool_problems  # noqa: E402

FAMILIES = {"sidecar_requests_total": "counter",
            "sidecar_request_duration_seconds": "histogram",
            "sidecar_upstream_errors_total": "counter",
            "sidecar_in_flight": "gauge"}
REQS = "sidecar_requests_total"
HIST = "sidecar_request_duration_seconds"
ERRS = "sidecar_upstream_errors_total"
INFLIGHT = "sidecar_in_flight"
STANDARD = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}


def send_all(sidecar, reqs):
    with Conn(sidecar.addr) as c:
        return [sidecar.send(rq, conn=c) for rq in reqs]


def buckets(e):
    """{le as float: count} summed over the histogram's label sets."""
    out = {}
    for s in e.samples(HIST + "_bucket"):
        le = float(s.labels.get("le", "nan"))
        out[le] = out.get(le, 0) + s.value
    return out


@pytest.mark.req("SIDECAR-040")
def test_metrics_endpoint_text_format(sidecar, report):
    send_all(sidecar, [get("/echo")])
    host, port = sidecar.metrics_addr
    report.repro(f"curl -sv http://{host}:{port}/metrics")
    r, _ = sidecar.scrape()  # parse_exposition raises on any grammar problem
    mt, params = media_params(r.get("Content-Type"))
    if mt != "text/plain" or params.get("version") != "0.0.4":
        raise HttpError(f"GET /metrics: Content-Type {r.get('Content-Type')!r}; expected "
                        f"text/plain; version=0.0.4\n" + describe(r.request, "text/plain; "
                                                                  "version=0.0.4", r))
    if "charset" in params and params["charset"].lower() != "utf-8":
        raise HttpError(f"GET /metrics: charset {params['charset']!r}; the text format is UTF-8")
    problems = promtool_problems(r.body)
    if problems:
        raise HttpError(f"promtool check metrics rejects the exposition:\n{problems}\n"
                        f"body:\n{r.body.decode(errors='replace')[:3000]}")


@pytest.mark.req("SIDECAR-041")
def test_families_help_and_type(sidecar):
    send_all(sidecar, [get("/echo")])
    e = sidecar.wait_metrics(lambda e: e.value(HIST + "_count") >= 1, "one request counted")
    problems = []
    for name, kind in FAMILIES.items():
        f = e.family(name)
        if f is None:
            problems.append(f"no {name} family")
            continue
        if f.type != kind:
            problems.append(f"# TYPE {name} is {f.type!r}, expected {kind!r}")
        if f.help is None or not f.help.strip():
            problems.append(f"no (or an empty) # HELP line for {name}")
        if not f.samples:
            problems.append(f"{name} has no sample after a request")
    if problems:
        raise HttpError("GET /metrics:\n  " + "\n  ".join(problems) + "\nbody:\n" + e.text[:3000])


@pytest.mark.req("SIDECAR-042")
def test_request_counter_exact(sidecar):
    plan = [("GET", "/echo", 200)] * 3 + [("POST", "/status/201", 201)] * 2 + \
        [("GET", "/status/404", 404)]
    _, before = sidecar.scrape()
    rs = send_all(sidecar, [request(m, t, body=b"x" if m == "POST" else b"") for m, t, _ in plan])
    for (m, t, code), r in zip(plan, rs):
        expect_status(r, code, f"{m} {t} through the sidecar")
    n = len(plan)
    after = sidecar.wait_metrics(lambda e: e.value(REQS) - before.value(REQS) >= n,
                                 f"{n} requests counted")
    problems = []
    for (m, code) in sorted({(m, c) for m, _, c in plan}):
        want = sum(1 for pm, _, pc in plan if (pm, pc) == (m, code))
        got = after.value(REQS, method=m, code=str(code)) - \
            before.value(REQS, method=m, code=str(code))
        if got != want:
            problems.append(f'{REQS}{{method="{m}",code="{code}"}} grew by {got:g}, expected '
                            f"{want}")
    total = after.value(REQS) - before.value(REQS)
    if total != n:
        problems.append(f"{REQS} grew by {total:g} in all, expected {n}")
    # Scrapes are not requests: two more scrapes change nothing.
    sidecar.scrape()
    _, again = sidecar.scrape()
    if again.value(REQS) != after.value(REQS):
        problems.append(f"{REQS} grew from {after.value(REQS):g} to {again.value(REQS):g} "
                        f"across two scrapes with no request: scrapes must not be counted")
    if problems:
        raise HttpError(f"after {n} requests ({', '.join(f'{m} {t}' for m, t, _ in plan)}):\n  "
                        + "\n  ".join(problems) + "\nbefore:\n" + before.text[:1500]
                        + "\nafter:\n" + after.text[:1500])


@pytest.mark.req("SIDECAR-043")
def test_duration_histogram_consistent(sidecar):
    _, before = sidecar.scrape()
    send_all(sidecar, [get("/echo"), get("/status/404"), get("/bytes/1000"), get("/echo")])
    mid = sidecar.wait_metrics(lambda e: e.value(HIST + "_count") - before.value(HIST + "_count")
                               >= 4, "four requests in the histogram")
    problems = histogram_problems(mid, HIST)
    grew = mid.value(HIST + "_count") - before.value(HIST + "_count")
    if grew != 4:
        problems.append(f"{HIST}_count grew by {grew:g} after 4 requests, expected 4")
    if mid.value(HIST + "_sum") < before.value(HIST + "_sum"):
        problems.append(f"{HIST}_sum went down")
    # A request the origin holds 300 ms cannot land in a bucket below 0.3 s.
    send_all(sidecar, [get("/slow/300")])
    after = sidecar.wait_metrics(lambda e: e.value(HIST + "_count") - mid.value(HIST + "_count")
                                 >= 1, "the slow request in the histogram")
    problems += histogram_problems(after, HIST)
    b0, b1 = buckets(mid), buckets(after)
    for le in sorted(b1):
        d = b1[le] - b0.get(le, 0)
        if le < 0.3 and d != 0:
            problems.append(f'bucket le="{le:g}" grew by {d:g} for a request that took at least '
                            f"300 ms")
        if le == math.inf and d != 1:
            problems.append(f'bucket le="+Inf" grew by {d:g} for one request, expected 1')
    ds = after.value(HIST + "_sum") - mid.value(HIST + "_sum")
    if ds < 0.3 - 1e-6:
        problems.append(f"{HIST}_sum grew by {ds:g} s for a request of at least 0.3 s")
    if problems:
        raise HttpError("the duration histogram:\n  " + "\n  ".join(problems)
                        + "\nafter:\n" + after.text[:3000])


@pytest.mark.req("SIDECAR-044")
def test_upstream_errors_counted(sidecar, origin):
    _, before = sidecar.scrape()
    origin.down()
    for r in send_all(sidecar, [get("/echo"), get("/echo")]):
        expect_status(r, 502, "with the origin refusing connections")
    e = sidecar.wait_metrics(lambda e: e.value(ERRS) - before.value(ERRS) >= 2, "two errors")
    d = e.value(ERRS) - before.value(ERRS)
    assert d == 2, (f"{ERRS} grew by {d:g} after two requests refused by the origin (502), "
                    f"expected 2\n{e.text[:2000]}")
    origin.up()
    answered = [get("/echo"), get("/status/500"), get("/status/503"), get("/status/404")]
    send_all(sidecar, answered)
    reset = request("POST", "/reset-before", body=b"x")
    expect_status(sidecar.send(reset), 502, "the origin resets the connection without "
                  "answering", reset)
    total = len(answered) + 1
    e2 = sidecar.wait_metrics(lambda x: x.value(REQS) - e.value(REQS) >= total,
                              f"{total} more requests counted")
    d = e2.value(ERRS) - e.value(ERRS)
    assert d == 1, (f"{ERRS} grew by {d:g} over {len(answered)} requests the origin answered "
                    f"(200, 500, 503, 404) and one it reset; expected 1 (the reset)\n"
                    f"{e2.text[:2000]}")


@pytest.mark.req("SIDECAR-045")
def test_in_flight_gauge(sidecar, origin):
    e = sidecar.wait_metrics(lambda e: e.value(INFLIGHT) == 0, "nothing in flight")
    assert e.value(INFLIGHT) == 0, f"{INFLIGHT} is {e.value(INFLIGHT):g} before any request"
    rq = get("/hold/g1")
    with Conn(sidecar.addr) as c:
        c.send(rq)
        assert origin.wait_arrived("g1"), "GET /hold/g1 never reached the origin"
        e = sidecar.wait_metrics(lambda e: e.value(INFLIGHT) == 1, "one request in flight")
        assert e.value(INFLIGHT) == 1, (f"{INFLIGHT} is {e.value(INFLIGHT):g} while one request "
                                        f"waits for the origin; expected 1\n{e.text[:2000]}")
        origin.release("g1")
        r = c.read_response()
        expect_status(r, 200, "the held request, released", rq)
    e = sidecar.wait_metrics(lambda e: e.value(INFLIGHT) == 0, "nothing in flight")
    assert e.value(INFLIGHT) == 0, (f"{INFLIGHT} is {e.value(INFLIGHT):g} after the request was "
                                    f"answered; expected 0\n{e.text[:2000]}")


@pytest.mark.req("SIDECAR-046")
def test_service_label(start_sidecar):
    for service in ("sidecar", 'we"ird\\na\nme'):
        s = start_sidecar(*(() if service == "sidecar" else ("--service", service)))
        send_all(s, [get("/echo")])
        e = s.wait_metrics(lambda e: e.value(HIST + "_count") >= 1, "one request counted")
        bad = [x.line for f in e.families.values() for x in f.samples
               if x.labels.get("service") != service]
        if bad:
            how = f"--service {service!r}" if service != "sidecar" else "no --service"
            raise HttpError(f"started with {how}, these samples lack service={service!r} "
                            f"(escaped as the text format says: \\\\, \\\", \\n):\n  "
                            + "\n  ".join(bad[:10]))


@pytest.mark.req("SIDECAR-047")
def test_method_label_bounded(sidecar):
    reqs = [request(f"BREW{i}", "/echo") for i in range(20)]
    _, before = sidecar.scrape()
    with Conn(sidecar.addr) as c:
        for rq in reqs:
            sidecar.send(rq, conn=c)  # any status: only the counting matters
    e = sidecar.wait_metrics(lambda e: e.value(REQS) - before.value(REQS) >= 20,
                             "20 requests counted")
    odd = sorted({s.labels.get("method") for s in e.samples(REQS)} - STANDARD)
    if len(odd) > 1:
        raise HttpError(f"after 20 requests with invented methods BREW0..BREW19, "
                        f"{REQS} has the method label values {odd}: one series per invented "
                        f"method; expected them counted under one value")


@pytest.mark.req("SIDECAR-048")
def test_metrics_only_on_metrics_port(sidecar, origin):
    rq = get("/metrics")
    r = sidecar.send(rq)
    expect_status(r, 200, "GET /metrics on the main port (forwarded to the origin)", rq)
    if r.get("X-Backend") != "origin" or echoed(r).get("target") != "/metrics":
        raise HttpError("GET /metrics on the main port was not forwarded to the origin\n"
                        + describe(rq, "the origin's echo of GET /metrics", r))
    n = len(origin.requests)
    with Conn(sidecar.metrics_addr) as c:
        for target in ("/", "/echo", "/metricsx", "/metrics/x"):
            q = get(target)
            with Conn(sidecar.metrics_addr) as c2:
                c2.send(q)
                r = c2.read_response()
            expect_status(r, 404, f"GET {target} on the metrics port", q)
        # Two scrapes on one connection: it stays open for the next scrape.
        for _ in range(2):
            sidecar.scrape(conn=c)
    assert len(origin.requests) == n, (
        f"requests to the metrics port reached the origin: {origin.requests[n:]}")
