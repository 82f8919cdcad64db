"""ITEMS-060..064: unknown paths, ids that name nothing, 405, error bodies."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import (ERROR_CODES, ITEM_ROUTES_ALLOW, MERGE, core, error_problems,  # noqa: E402
                      same_item, uname)
from osnet_harness.httpclient import Conn, HttpError, describe, request  # noqa: E402


@pytest.mark.req("ITEMS-060")
def test_unknown_paths_404(svc):
    wrong = []
    for path in ("/", "/itemsx", "/items/1/x", "/nothing", "/items/", "/Items", "/metrics/x",
                 "/healthz/x"):
        r = svc.call("GET", path)
        if r.status != 404:
            wrong.append(f"GET {path}: status {r.status}\n" + describe(r.request, "404", r))
    assert not wrong, "paths that name no route must get 404:\n\n" + "\n\n".join(wrong)


@pytest.mark.req("ITEMS-061")
def test_non_canonical_ids_404(svc):
    item = svc.create(quantity=5)
    n = item["id"]
    bad = ["0", f"0{n}", f"00{n}", f"-{n}", f"+{n}", f"{n}.0", f"{n}e0", f"{n}abc", "abc",
           f"%2B{n}", f"{n}%20", f"%20{n}", "-1", "9223372036854775808",
           "18446744073709551617", str(2**64 + n), "1" * 30]
    wrong = []
    with Conn(svc.addr) as c:
        for iid in bad:
            for method, body in (("GET", None), ("PUT", {"name": uname(), "price": 7}),
                                 ("PATCH", {"quantity": 99}), ("DELETE", None)):
                r = svc.call(method, f"/items/{iid}", body, conn=c)
                if r.status != 404:
                    wrong.append(f"{method} /items/{iid}: status {r.status}")
                    if r.get("Connection") == "close":
                        c.close()
                        c = Conn(svc.addr)
    assert not wrong, (f"ids that are not canonical decimal integers 1..2^63-1 name no item "
                       f"(the real one is {n}):\n  " + "\n  ".join(wrong))
    got = svc.get(n)
    assert got is not None and same_item(got, item), \
        f"requests to non-canonical forms of id {n} changed item {n}: {core(got or {})}"


@pytest.mark.req("ITEMS-062")
def test_405_allow(svc):
    n = svc.create()["id"]
    cases = [("DELETE", "/items", "/items"), ("PUT", "/items", "/items"),
             ("PATCH", "/items", "/items"), ("POST", f"/items/{n}", "/items/{id}")]
    wrong = []
    for method, path, route in cases:
        r = svc.call(method, path, {"name": uname(), "price": 1}, ctype=MERGE
                     if method == "PATCH" else "application/json")
        allow = {t.strip() for v in r.get_all("Allow") for t in v.split(",") if t.strip()}
        if r.status != 405:
            wrong.append(f"{method} {path}: status {r.status}, expected 405\n"
                         + describe(r.request, "405", r))
        elif allow != ITEM_ROUTES_ALLOW[route]:
            wrong.append(f"{method} {path}: Allow {r.get('Allow')!r}, expected exactly "
                         f"{', '.join(sorted(ITEM_ROUTES_ALLOW[route]))}")
    assert not wrong, "\n\n".join(wrong)


@pytest.mark.req("ITEMS-063")
def test_error_bodies(start):
    svc = start("--max-items", "2", "--max-body", "1000", "--rate", "1", "--burst", "40")
    a = svc.create()
    got = []

    def check(r, status, what):
        svc.expect(r, status, what)
        got.append((what, r))

    check(svc.call("POST", "/items", b'{"name":'), 400, "a truncated body")
    check(svc.call("GET", "/nothing"), 404, "an unknown path")
    check(svc.call("GET", "/items/9000000000000000001"), 404, "an absent item")
    check(svc.call("DELETE", "/items"), 405, "DELETE /items")
    check(svc.call("PATCH", f"/items/{a['id']}", {"price": -1}), 422, "a negative price")
    check(svc.call("POST", "/items", {"name": a["name"], "price": 1}), 409, "a duplicate name")
    svc.create()
    check(svc.call("POST", "/items", {"name": "x", "price": 1, "pad": "p" * 1000}), 413,
          "a body over --max-body")
    check(svc.call("POST", "/items", {"name": uname(), "price": 1}, ctype="text/plain"), 415,
          "text/plain")
    check(svc.call("POST", "/items", {"name": uname(), "price": 1}), 503,
          "a create past --max-items")
    with Conn(svc.addr) as c:
        for _ in range(80):
            r = svc.call("GET", "/items?limit=1", conn=c)
            if r.status == 429:
                break
        check(r, 429, "a request with the client's bucket empty")
    wrong = []
    for what, r in got:
        p = error_problems(r)
        if p:
            wrong.append(f"{r.status} for {what}: " + "; ".join(p) + "\n"
                         + describe(r.request, f"{{\"error\":{{\"code\":\"{ERROR_CODES[r.status]}\""
                                               f",\"message\":...}}}}", r))
    assert not wrong, "error bodies wrong:\n\n" + "\n\n".join(wrong)


@pytest.mark.req("ITEMS-064")
def test_http_layer_errors_json(svc):
    cases = [("a malformed request line", b"THIS IS NOT HTTP\r\n\r\n", {400}),
             ("a request line without a version", b"GET /items\r\nHost: x\r\n\r\n", {400}),
             ("a request head of 200 KiB", request("GET", "/items", [("X-Big", "b" * 200000)]),
              {400, 431})]
    wrong = []
    for what, data, codes in cases:
        with Conn(svc.addr) as c:
            try:
                c.send(data)
            except OSError:
                pass                     # closed while we sent: the response may still be there
            try:
                r = c.read_response("GET")
            except HttpError as e:
                wrong.append(f"{what}: no response ({e})")
                continue
        r.request = data
        if r.status not in codes:
            wrong.append(f"{what}: status {r.status}, expected {' or '.join(map(str, codes))}")
            continue
        p = error_problems(r)
        if p:
            wrong.append(f"{what} ({r.status}): " + "; ".join(p) + "\n" + r.summary())
    assert not wrong, "\n\n".join(wrong)
