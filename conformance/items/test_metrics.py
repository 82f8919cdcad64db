"""ITEMS-080..087: GET /metrics in the Prometheus text format 0.0.4."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import (ABSENT_ID, BUCKETS, MERGE, histogram_problems, media_params,  # noqa: E402
                      promtool_check, requests_total, uname)
from osnet_harness.httpclient import Conn, HttpError, describe, request  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

FAMILIES = {"http_requests_total": "counter", "http_request_duration_seconds": "histogram",
            "active_connections": "gauge", "rate_limit_clients": "gauge",
            "items_stored": "gauge"}
ROUTES = {"/items", "/items/{id}", "/metrics", "/healthz", "other"}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
HIST = "http_request_duration_seconds"


def traffic(svc):
    """One of most kinds of response: 201, 200, 204, 404, 405, 422."""
    with Conn(svc.addr) as c:
        a = svc.create(conn=c)
        svc.get(a["id"], conn=c)
        svc.call("PATCH", f"/items/{a['id']}", {"quantity": 2}, ctype=MERGE, conn=c)
        svc.call("GET", "/items", conn=c)
        svc.call("GET", f"/items/{ABSENT_ID}", conn=c)
        svc.call("GET", "/nothing", conn=c)
        svc.call("DELETE", "/items", conn=c)
        svc.call("POST", "/items", {"price": 1}, conn=c)
        svc.delete(a["id"], conn=c)


@pytest.mark.req("ITEMS-080")
def test_content_type_and_format(svc):
    traffic(svc)
    r, _ = svc.scrape()      # parsed strictly: raises on any grammar problem
    mt, params = media_params(r.get("Content-Type"))
    if mt != "text/plain" or params.get("version") != "0.0.4":
        raise HttpError(f"GET /metrics: Content-Type {r.get('Content-Type')!r}; expected "
                        f"text/plain; version=0.0.4\n" + describe(r.request, "text/plain", r))
    if "charset" in params:
        assert params["charset"].lower() == "utf-8", f"charset {params['charset']!r}"


@pytest.mark.req("ITEMS-081")
def test_promtool_accepts(svc):
    traffic(svc)
    r, _ = svc.scrape()
    said = promtool_check(r.body)
    assert said is None, (f"promtool check metrics: {said}\nbody:\n"
                          f"{r.body.decode(errors='replace')[:3000]}")


@pytest.mark.req("ITEMS-082")
def test_families(svc):
    traffic(svc)
    _, e = svc.scrape()
    wrong = []
    for name, kind in FAMILIES.items():
        f = e.family(name)
        if f is None or not f.samples:
            wrong.append(f"{name}: no samples")
            continue
        if f.type != kind:
            wrong.append(f"{name}: # TYPE {f.type!r}, expected {kind}")
        if not f.help:
            wrong.append(f"{name}: no # HELP text")
    assert not wrong, "metric families wrong:\n  " + "\n  ".join(wrong) + "\n" + e.text[:3000]


@pytest.mark.req("ITEMS-083")
def test_requests_counted_exactly(svc):
    with Conn(svc.addr) as sc:
        _, e0 = svc.scrape(conn=sc)
        with Conn(svc.addr) as c:
            made = [svc.create(conn=c) for _ in range(3)]
            for _ in range(2):
                svc.get(made[0]["id"], conn=c)
            svc.call("GET", f"/items/{ABSENT_ID}", conn=c)
            for _ in range(4):
                svc.call("GET", "/items", conn=c)
            svc.call("HEAD", "/items", conn=c)
            svc.delete(made[1]["id"], conn=c)
        _, e1 = svc.scrape(conn=sc)   # at once: responses are counted before they are sent
    want = [("POST", "/items", 201, 3), ("GET", "/items/{id}", 200, 2),
            ("GET", "/items/{id}", 404, 1), ("GET", "/items", 200, 4), ("HEAD", "/items", 200, 1),
            ("DELETE", "/items/{id}", 204, 1), ("GET", "/metrics", 200, 1)]
    wrong = []
    for m, route, st, n in want:
        d = requests_total(e1, method=m, route=route, status=st) - \
            requests_total(e0, method=m, route=route, status=st)
        if d != n:
            wrong.append(f'{{method="{m}",route="{route}",status="{st}"}} grew by {d:g}, '
                         f"expected {n}")
    total = e1.value("http_requests_total") - e0.value("http_requests_total")
    if total != sum(n for *_, n in want):
        wrong.append(f"the sum of http_requests_total grew by {total:g}, expected "
                     f"{sum(n for *_, n in want)} (each response counted once)")
    for s in e1.samples("http_requests_total"):
        if set(s.labels) != {"method", "route", "status"}:
            wrong.append(f"sample with labels {sorted(s.labels)}, expected method, route, "
                         f"status: {s.line}")
    assert not wrong, ("http_requests_total between two scrapes (the second made right after "
                       "the last response was read):\n  " + "\n  ".join(wrong))


@pytest.mark.req("ITEMS-084")
def test_labels_bounded_and_layer_errors_counted(start):
    svc = start("--max-body", "100")
    item = svc.create()
    _, e0 = svc.scrape()
    sends = [(request("GET", f"/items/{item['id']}"), None),
             (request("GET", "/no/such/path/123"), None),
             (request("BREW", "/items"), None),
             (request("DELETE", "/items"), None),
             (request("POST", "/items", [("Content-Type", "application/json")],
                      body=b'{"name":"' + b"x" * 200 + b'","price":1}'), None),
             (b"\x01\x02 not http at all\r\n\r\n", "GET")]
    statuses = []
    for data, method in sends:
        with Conn(svc.addr) as c:
            try:
                c.send(data)
            except OSError:
                pass
            statuses.append(c.read_response(method or data.split(b" ")[0].decode()).status)
    _, e1 = svc.scrape()

    def d(**labels):
        return requests_total(e1, **labels) - requests_total(e0, **labels)

    wrong = []
    for s in e1.samples("http_requests_total"):
        if s.labels.get("route") not in ROUTES or s.labels.get("method") not in METHODS:
            wrong.append(f"label values outside the bounded set: {s.line}")
    checks = [("GET /items/<id> counted under route /items/{id}",
               d(method="GET", route="/items/{id}", status=200), 1),
              ("GET of an unknown path counted as route other, 404",
               d(method="GET", route="other", status=404), 1),
              (f"BREW /items (answered {statuses[2]}) and the unparsable head both counted "
               f"as method other", d(method="other"), 2),
              ("DELETE /items counted with status 405", d(method="DELETE", status=405), 1),
              ("a POST over --max-body counted with status 413", d(method="POST", status=413), 1),
              (f"an unparsable request head (answered {statuses[5]}) counted with method other, "
               f"route other, 400", d(method="other", route="other", status=400), 1)]
    for what, got, n in checks:
        if what.startswith("an unparsable") and statuses[2] == 400:
            n = got if got in (1, 2) else n   # BREW's 400 may share the label set
        if got != n:
            wrong.append(f"{what}: grew by {got:g}, expected {n}")
    assert statuses[1] == 404 and statuses[3] == 405 and statuses[4] == 413 and \
        statuses[5] == 400, f"statuses of the requests: {statuses}"
    assert not wrong, "http_requests_total:\n  " + "\n  ".join(wrong)


@pytest.mark.req("ITEMS-085")
def test_duration_histogram(svc):
    with Conn(svc.addr) as sc:
        _, e0 = svc.scrape(conn=sc)
        with Conn(svc.addr) as c:
            item = svc.create(conn=c)
            for _ in range(5):
                svc.get(item["id"], conn=c)
        _, e1 = svc.scrape(conn=sc)
    problems = histogram_problems(e1, HIST)
    for s in e1.samples(HIST + "_bucket"):
        if set(s.labels) != {"method", "route", "le"}:
            problems.append(f"bucket labels {sorted(s.labels)}, expected method, route, le")
    groups = {}
    for s in e1.samples(HIST + "_bucket"):
        groups.setdefault((s.labels.get("method"), s.labels.get("route")), []).append(
            s.labels.get("le"))
    for key, les in groups.items():
        if les != BUCKETS:
            problems.append(f"{key}: le bounds {les}, expected {BUCKETS}")
    for m, route, n in (("GET", "/items/{id}", 5), ("POST", "/items", 1)):
        c0 = e0.value(HIST + "_count", method=m, route=route)
        c1 = e1.value(HIST + "_count", method=m, route=route)
        if c1 - c0 != n:
            problems.append(f"_count{{method={m},route={route}}} grew by {c1 - c0:g}, expected {n}")
        s0 = e0.value(HIST + "_sum", method=m, route=route)
        s1 = e1.value(HIST + "_sum", method=m, route=route)
        if not s1 >= s0 >= 0:
            problems.append(f"_sum{{method={m},route={route}}} went from {s0} to {s1}")
    assert not problems, f"{HIST}:\n  " + "\n  ".join(problems) + "\n" + e1.text[:3000]


@pytest.mark.req("ITEMS-086")
def test_active_connections(fresh):
    svc = fresh
    others = [Conn(svc.addr) for _ in range(3)]
    try:
        for c in others:
            svc.expect(svc.call("GET", "/healthz", conn=c), 200, "GET /healthz")
        svc.wait_gauge("active_connections", 4, "3 open connections plus the scrape's",
                       timeout=T(5))
    finally:
        for c in others:
            c.close()
    svc.wait_gauge("active_connections", 1, "the 3 connections closed, the scrape's open",
                   timeout=T(5))


@pytest.mark.req("ITEMS-087")
def test_items_stored(svc):
    with Conn(svc.addr) as c:
        base = svc.gauge("items_stored", conn=c)
        made = [svc.create(conn=c, name=uname()) for _ in range(3)]
        assert svc.gauge("items_stored", conn=c) == base + 3, "items_stored after 3 creates"
        svc.delete(made[0]["id"], conn=c)
        svc.call("POST", "/items", {"price": 1}, conn=c)
        assert svc.gauge("items_stored", conn=c) == base + 2, \
            "items_stored after 3 creates, 1 delete and 1 refused create"
