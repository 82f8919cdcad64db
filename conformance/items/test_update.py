"""ITEMS-040..044, ITEMS-050: PUT, PATCH (JSON merge patch), DELETE."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import ABSENT_ID, MERGE, core, error_field, same_item, uname  # noqa: E402
from osnet_harness.httpclient import Conn, HttpError, describe, pipeline  # noqa: E402


def check_now(svc, want, what):
    got = svc.get(want["id"])
    assert got is not None, f"{what}: GET /items/{want['id']} answered 404"
    assert same_item(got, want), f"{what}: GET /items/{want['id']} is {core(got)}, expected " \
                                 f"{core(want)}"


@pytest.mark.req("ITEMS-040")
def test_put_replaces(svc):
    old = svc.create(price=5, quantity=9, tags=["a", "b"])
    new = {"name": uname("new"), "price": 2.5}
    r = svc.call("PUT", f"/items/{old['id']}", new)
    got = svc.json_of(r, 200, f"PUT /items/{old['id']} with a valid item")
    want = {"id": old["id"], "quantity": 0, "tags": [], **new}
    assert same_item(got, want), (f"PUT /items/{old['id']} {new} answered {core(got)}; expected "
                                  f"{want} (omitted members get their defaults)")
    check_now(svc, want, "after the PUT")


@pytest.mark.req("ITEMS-040")
def test_put_absent_is_404(fresh):
    svc = fresh
    gone = svc.create()
    svc.delete(gone["id"])
    for iid in (gone["id"], ABSENT_ID):
        r = svc.call("PUT", f"/items/{iid}", {"name": uname(), "price": 1})
        svc.expect(r, 404, f"PUT /items/{iid} (no such item: PUT does not create)")
        assert svc.get(iid) is None, f"PUT /items/{iid} answered 404 but created the item"
    assert svc.all_items() == [], "a PUT to an absent id created an item"


@pytest.mark.req("ITEMS-041")
def test_patch_merges(svc):
    item = svc.create(price=5, quantity=9, tags=["a", "b"])
    iid = item["id"]
    want = dict(item)
    steps = [({"quantity": 4}, {"quantity": 4}),
             ({}, {}),
             ({"tags": ["z"], "price": 7.5}, {"tags": ["z"], "price": 7.5}),
             ({"tags": None}, {"tags": []}),
             ({"quantity": None}, {"quantity": 0}),
             ({"name": item["name"] + "-2"}, {"name": item["name"] + "-2"})]
    with Conn(svc.addr) as c:
        for patch, change in steps:
            want.update(change)
            for ctype in (MERGE,):
                r = svc.call("PATCH", f"/items/{iid}", patch, ctype=ctype, conn=c)
                got = svc.json_of(r, 200, f"PATCH /items/{iid} {patch}")
                assert same_item(got, want), (f"PATCH {patch}: answered {core(got)}; expected "
                                              f"{core(want)}")
        for member in ("name", "price"):
            r = svc.call("PATCH", f"/items/{iid}", {member: None}, ctype=MERGE, conn=c)
            svc.expect(r, 422, f"PATCH /items/{iid} {{\"{member}\": null}} (a required member)")
            assert error_field(r) == member, \
                f"PATCH {{\"{member}\": null}}: 422 names {error_field(r)!r}, expected {member!r}"
    check_now(svc, want, "after the patches")


@pytest.mark.req("ITEMS-042")
def test_patch_media_types(svc):
    item = svc.create()
    iid = item["id"]
    for n, ctype in enumerate(("application/merge-patch+json", "application/json",
                               "Application/Merge-Patch+JSON; charset=utf-8")):
        r = svc.call("PATCH", f"/items/{iid}", {"quantity": n + 1}, ctype=ctype)
        got = svc.json_of(r, 200, f"PATCH with Content-Type {ctype}")
        assert got["quantity"] == n + 1, f"PATCH with {ctype}: {core(got)}"
    for ctype in ("text/plain", "application/json-patch+json", None):
        r = svc.call("PATCH", f"/items/{iid}", {"quantity": 99}, ctype=ctype)
        svc.expect(r, 415, f"PATCH with Content-Type {ctype or '(none)'}")
    assert svc.get(iid)["quantity"] == 3, "a refused PATCH changed the item"


@pytest.mark.req("ITEMS-043")
def test_put_and_patch_are_validated(svc):
    item = svc.create(price=5, quantity=9, tags=["a"])
    iid = item["id"]
    cases = [("PUT", {"name": "", "price": 1}, "name"),
             ("PUT", {"name": uname(), "price": -1}, "price"),
             ("PUT", {"name": uname()}, "price"),
             ("PUT", {"name": uname(), "price": 1, "color": "red"}, "color"),
             ("PUT", {"name": uname(), "price": 1, "id": iid + 1}, "id"),
             ("PATCH", {"price": "3"}, "price"),
             ("PATCH", {"quantity": 1.5}, "quantity"),
             ("PATCH", {"tags": ["x" * 31]}, "tags"),
             ("PATCH", {"name": "a\u0001"}, "name"),
             ("PATCH", {"color": "red"}, "color"),
             ("PATCH", {"id": iid + 1}, "id")]
    wrong = []
    for method, b, field in cases:
        r = svc.call(method, f"/items/{iid}", b)
        if r.status != 422 or error_field(r) != field:
            wrong.append(f"{method} {b}: status {r.status}, field {error_field(r)!r}; "
                         f"expected 422 naming {field!r}\n" + describe(r.request, "422", r))
    r = svc.call("PATCH", f"/items/{iid}", b'{"quantity": ', ctype=MERGE)
    if r.status != 400:
        wrong.append(f"PATCH with a truncated body: status {r.status}, expected 400")
    r = svc.call("PUT", f"/items/{iid}", {"name": uname(), "price": 1}, ctype="text/plain")
    if r.status != 415:
        wrong.append(f"PUT text/plain: status {r.status}, expected 415")
    r = svc.call("PATCH", f"/items/{ABSENT_ID}", {"quantity": 1})
    if r.status != 404:
        wrong.append(f"PATCH /items/{ABSENT_ID} (no such item): status {r.status}, expected 404")
    if wrong:
        raise HttpError(f"{len(wrong)} wrong:\n\n" + "\n\n".join(wrong))
    check_now(svc, item, "after refused PUTs and PATCHes")
    r = svc.call("PATCH", f"/items/{iid}", {"id": iid, "quantity": 1})
    svc.expect(r, 200, f"PATCH /items/{iid} with an id member equal to the path's")
    r = svc.call("PUT", f"/items/{iid}", {"id": iid, "name": item["name"], "price": 1})
    svc.expect(r, 200, f"PUT /items/{iid} with an id member equal to the path's")


@pytest.mark.req("ITEMS-044")
def test_name_conflicts_on_change(svc):
    a = svc.create(name=uname("A"))
    b = svc.create(name=uname("B"), price=3)
    r = svc.call("PUT", f"/items/{b['id']}", {"name": a["name"], "price": 4})
    svc.expect(r, 409, "PUT giving an item the name of another")
    r = svc.call("PATCH", f"/items/{b['id']}", {"name": a["name"]}, ctype=MERGE)
    svc.expect(r, 409, "PATCH giving an item the name of another")
    check_now(svc, b, "after the refused changes")
    r = svc.call("PUT", f"/items/{a['id']}", {"name": a["name"], "price": 9})
    svc.expect(r, 200, "PUT keeping the item's own name")
    r = svc.call("PATCH", f"/items/{a['id']}", {"name": a["name"], "quantity": 2}, ctype=MERGE)
    svc.expect(r, 200, "PATCH keeping the item's own name")


@pytest.mark.req("ITEMS-050")
def test_delete(fresh):
    svc = fresh
    keep = svc.create()
    item = svc.create()
    iid = item["id"]
    with Conn(svc.addr) as c:
        d, g = pipeline(c, [svc.raw("DELETE", f"/items/{iid}"), svc.raw("GET", f"/items/{iid}")])
    svc.expect(d, 204, f"DELETE /items/{iid}")
    assert d.get("Content-Length") is None, \
        f"the 204 carries Content-Length: {d.get('Content-Length')} (RFC 9110 §8.6 forbids it)"
    assert d.get("Transfer-Encoding") is None, "the 204 carries Transfer-Encoding"
    svc.expect(g, 404, f"GET /items/{iid} after its DELETE (on the same connection)")
    svc.expect(svc.call("DELETE", f"/items/{iid}"), 404, f"DELETE /items/{iid} a second time")
    listed = [it["id"] for it in svc.all_items()]
    assert listed == [keep["id"]], f"after the DELETE the list holds {listed}"
