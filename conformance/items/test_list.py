"""ITEMS-030..034: listing, pagination by keyset cursors."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import body_json, core, same_item  # noqa: E402
from osnet_harness.httpclient import Conn, pipeline  # noqa: E402


def make(svc, n, conn=None):
    own = conn is None
    c = conn or Conn(svc.addr)
    try:
        return [svc.create(conn=c, price=i, quantity=i) for i in range(n)]
    finally:
        if own:
            c.close()


def ids_of(items):
    return [it["id"] for it in items]


def describe_pages(pages):
    return "; ".join(f"page {n}: ids {ids_of(p['items'])} next_cursor {p['next_cursor']!r}"
                     for n, p in enumerate(pages))


@pytest.mark.req("ITEMS-030")
def test_empty_list(fresh):
    r = fresh.call("GET", "/items")
    got = fresh.json_of(r, 200, "GET /items with no item stored")
    assert got == {"items": [], "next_cursor": None}, \
        f"GET /items with no item stored: {got!r}; expected {{\"items\":[],\"next_cursor\":null}}"
    assert r.media_type() == "application/json", \
        f"GET /items: Content-Type {r.get('Content-Type')!r}, expected application/json"


@pytest.mark.req("ITEMS-030")
def test_list_order_items_and_head(fresh):
    svc = fresh
    made = make(svc, 4)
    svc.delete(made[1]["id"])
    del made[1]
    with Conn(svc.addr) as c:
        g, h, g2 = pipeline(c, [svc.raw("GET", "/items"), svc.raw("HEAD", "/items"),
                                svc.raw("GET", "/items")])
    page = body_json(svc.expect(g, 200, "GET /items"))
    got = page["items"]
    assert ids_of(got) == ids_of(made), \
        f"GET /items lists ids {ids_of(got)}; the items stored are {ids_of(made)} (ascending)"
    for a, b in zip(got, made):
        assert same_item(a, b), f"GET /items lists {core(a)}; GET /items/{b['id']} is {core(b)}"
    assert page["next_cursor"] is None, f"all items fit on the page, yet next_cursor is " \
                                        f"{page['next_cursor']!r}"
    assert h.status == 200 and h.media_type() == g.media_type(), \
        f"HEAD /items: {h.status} {h.get('Content-Type')!r}; GET: 200 {g.get('Content-Type')!r}"
    assert body_json(svc.expect(g2, 200, "GET /items after HEAD")) == page, \
        "GET /items after a HEAD on the same connection answered something else"


@pytest.mark.req("ITEMS-031")
def test_limit(fresh):
    svc = fresh
    made = ids_of(make(svc, 25))
    with Conn(svc.addr) as c:
        for q, n in (("", 20), ("limit=7", 7), ("limit=1", 1), ("limit=100", 25),
                     ("limit=25", 25), ("foo=bar&limit=3&x", 3), ("x=1", 20)):
            p = svc.page(q, conn=c)
            assert ids_of(p["items"]) == made[:n], \
                f"GET /items?{q}: ids {ids_of(p['items'])}; expected the first {n}: {made[:n]}"
        wrong = []
        for bad in ("0", "101", "-1", "abc", "1.5", "", "1e1", "20x"):
            r = svc.call("GET", f"/items?limit={bad}", conn=c)
            if r.status != 400:
                wrong.append(f"limit={bad!r}: status {r.status}")
        assert not wrong, "GET /items with a limit that is not 1..100 must be 400: " + \
            "; ".join(wrong)


@pytest.mark.req("ITEMS-032")
@pytest.mark.parametrize("n,limit", [(7, 3), (6, 3), (5, 5), (1, 1), (4, 10)])
def test_walk_lists_everything_once(fresh, n, limit):
    svc = fresh
    made = ids_of(make(svc, n))
    pages = svc.walk(limit=limit)
    got = [i for p in pages for i in ids_of(p["items"])]
    assert got == made, (f"walking GET /items?limit={limit} over {n} items listed {got}; "
                         f"expected {made} ({describe_pages(pages)})")
    for k, p in enumerate(pages):
        last = k == len(pages) - 1
        holds_max = made[-1] in ids_of(p["items"])
        assert holds_max == last, (f"next_cursor must be null exactly on the page holding the "
                                   f"last item: {describe_pages(pages)}")
        assert len(p["items"]) == (limit if not last else n - limit * k), \
            f"limit={limit}: page sizes wrong: {describe_pages(pages)}"


@pytest.mark.req("ITEMS-033")
def test_invalid_cursor(svc):
    svc.create()
    for bad in ("x!", "%FF", "not-a-cursor!", "%00"):
        r = svc.call("GET", f"/items?cursor={bad}")
        svc.expect(r, 400, f"GET /items?cursor={bad} (a cursor the service never gave out)")


@pytest.mark.req("ITEMS-034")
def test_keyset_while_changing(fresh):
    svc = fresh
    made = ids_of(make(svc, 10))
    deleted, created = set(), []
    c = Conn(svc.addr)

    def between(n):
        if n == 0:          # after ids 0..2: delete a listed one and two not yet listed
            for i in (made[1], made[4], made[8]):
                svc.delete(i, conn=c)
                deleted.add(i)
            created.append(svc.create(conn=c)["id"])
        elif n == 1:        # and create one more, delete another listed one
            svc.delete(made[0], conn=c)
            deleted.add(made[0])
            created.append(svc.create(conn=c)["id"])

    try:
        pages = svc.walk(limit=3, conn=c, between=between)
    finally:
        c.close()
    got = [i for p in pages for i in ids_of(p["items"])]
    survivors = [i for i in made if i not in (made[1], made[4], made[8], made[0])]
    missing = [i for i in survivors if got.count(i) != 1]
    assert not missing, (f"items that existed through the whole walk were listed "
                         f"{[got.count(i) for i in missing]} times: {missing}; listed {got} "
                         f"({describe_pages(pages)}); deleted during the walk: {sorted(deleted)}")
    assert made[4] not in got and made[8] not in got, \
        f"items deleted before their page was read were listed: {got}"
    for i in created:
        assert got.count(i) == 1, f"item {i} created during the walk was not listed once: {got}"
    assert got == sorted(got), f"the walk is not in ascending id order: {got}"
