"""ITEMS-010..013, ITEMS-019: creating items and reading them back."""
import json
import pathlib
import sys
import urllib.parse

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import (ABSENT_ID, body_json, core, item_problems, same_item,  # noqa: E402
                      uname)
from osnet_harness.httpclient import Conn, HttpError, describe, pipeline  # noqa: E402


def _location_id(svc, r):
    loc = r.get("Location")
    if loc is None:
        raise HttpError("POST /items answered 201 without a Location field (RFC 9110 "
                        "§10.2.2)\n" + describe(r.request, "Location: /items/<id>", r))
    path = urllib.parse.urlsplit(urllib.parse.urljoin("http://osnet.test/items", loc)).path
    parts = path.split("/")
    if len(parts) != 3 or parts[1] != "items" or not parts[2].isdigit():
        raise HttpError(f"Location {loc!r} does not name /items/<id>\n"
                        + describe(r.request, "Location: /items/<id>", r))
    return int(parts[2])


@pytest.mark.req("ITEMS-010")
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_post_creates(svc, framing):
    sent = {"name": uname("pen"), "price": 1.5, "quantity": 3, "tags": ["office", "blue"]}
    r = svc.call("POST", "/items", sent, chunked=framing == "chunked")
    got = svc.json_of(r, 201, f"POST /items of a valid item ({framing} body)")
    p = item_problems(got)
    assert not p, "the 201's body is not an item: " + "; ".join(p)
    for k, v in sent.items():
        assert got.get(k) == v, f"the 201's body has {k}={got.get(k)!r}, sent {v!r}: {got}"
    assert r.media_type() == "application/json", \
        f"the 201 has Content-Type {r.get('Content-Type')!r}, expected application/json"
    lid = _location_id(svc, r)
    assert lid == got["id"], f"Location names id {lid}, the body has id {got['id']}"
    again = svc.get(lid)
    assert again is not None, f"GET /items/{lid} (the new item's Location) answered 404"
    assert same_item(again, got), f"GET /items/{lid} answered {core(again)}, created {core(got)}"


@pytest.mark.req("ITEMS-011")
def test_ids_increase_and_are_never_reused(svc):
    with Conn(svc.addr) as c:
        ids = [svc.create(conn=c)["id"] for _ in range(5)]
        assert all(b > a for a, b in zip(ids, ids[1:])), \
            f"ids of five items created one after another: {ids}; each must be larger than the last"
        svc.delete(ids[-1], conn=c)
        svc.delete(ids[2], conn=c)
        nxt = svc.create(conn=c)["id"]
    assert nxt > max(ids), (f"after deleting the items {ids[-1]} and {ids[2]}, the next item got "
                            f"id {nxt}; ids before: {ids}: an id is never given again")


@pytest.mark.req("ITEMS-012")
def test_get_and_head(svc):
    made = svc.create(name=uname("lamp"), price=20, quantity=2, tags=["home"])
    iid = made["id"]
    with Conn(svc.addr) as c:
        reqs = [svc.raw("GET", f"/items/{iid}"), svc.raw("HEAD", f"/items/{iid}"),
                svc.raw("GET", f"/items/{iid}")]
        g, h, g2 = pipeline(c, reqs)   # a body after the HEAD response would break g2
    svc.expect(g, 200, f"GET /items/{iid}")
    got = body_json(g)
    assert same_item(got, made), f"GET /items/{iid}: {core(got)}; the 201 said {core(made)}"
    assert h.status == 200, f"HEAD /items/{iid}: status {h.status}, GET answers 200"
    assert h.media_type() == g.media_type(), \
        f"HEAD Content-Type {h.get('Content-Type')!r}, GET's {g.get('Content-Type')!r}"
    if h.get("Content-Length") is not None:
        assert h.get("Content-Length") == g.get("Content-Length"), \
            f"HEAD Content-Length {h.get('Content-Length')}, GET's {g.get('Content-Length')}"
    svc.expect(g2, 200, f"GET /items/{iid} after a HEAD on the same connection")
    assert same_item(body_json(g2), made)
    r = svc.call("GET", f"/items/{ABSENT_ID}")
    svc.expect(r, 404, f"GET /items/{ABSENT_ID} (no such item)")


ROUND_TRIP = [
    {"name": 'quote " backslash \\ slash / tab-free', "price": 1.5, "quantity": 7,
     "tags": ["b", "a", "b"]},
    {"name": "caf\u00e9 \u20ac \U0001F600 \u4e2d", "price": 0.1, "tags": ["\U0001F680", "\u00e9"]},
    {"name": "max", "price": 1000000, "quantity": 1000000000, "tags": []},
    {"name": "zero", "price": 0, "quantity": 0},
    {"name": "int-price", "price": 3, "tags": ["x"]},
    {"name": "defaults", "price": 12.25},
]


@pytest.mark.req("ITEMS-013")
def test_values_round_trip(svc):
    suffix = uname("")
    with Conn(svc.addr) as c:
        for sent in ROUND_TRIP:
            sent = dict(sent, name=sent["name"] + suffix)
            got = svc.create(conn=c, **dict(sent))
            want = {"quantity": 0, "tags": [], **sent}
            for obj, where in ((got, "the 201"), (svc.get(got["id"], conn=c), "GET")):
                for k, v in want.items():
                    if k == "price":
                        ok = obj[k] == v and not isinstance(obj[k], bool)
                    else:
                        ok = obj[k] == v and type(obj[k]) is type(v)
                    assert ok, (f"sent {json.dumps(sent, ensure_ascii=False)}; {where} has "
                                f"{k}={obj[k]!r}, expected {v!r}")


@pytest.mark.req("ITEMS-019")
def test_duplicate_name_conflicts(fresh):
    svc = fresh
    name = uname("Pen")
    svc.create(name=name, price=1)
    before = len(svc.all_items())
    r = svc.call("POST", "/items", {"name": name, "price": 2})
    svc.expect(r, 409, "POST /items with the name of an existing item")
    after = svc.all_items()
    assert len(after) == before, f"the refused create added an item: {after}"
    svc.create(name=name.lower(), price=3)   # differs in case: another name
    svc.create(name=name + " ", price=3)     # differs by a trailing space
