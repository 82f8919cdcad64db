"""ITEMS-014..018: every member of an item is checked, and a 422 names it."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import error_field, uname  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, show  # noqa: E402

_OMIT = object()


def body(name=None, price=1, **more):
    """Raw JSON bytes of an item. Values that are bytes are written as they
    are (1.0, 1e2: literals json.dumps cannot produce); _OMIT leaves the
    member out."""
    members = {"name": uname() if name is None else name, "price": price, **more}
    parts = []
    for k, v in members.items():
        if v is _OMIT:
            continue
        raw = v if isinstance(v, bytes) else json.dumps(v, ensure_ascii=False).encode()
        parts.append(json.dumps(k).encode() + b":" + raw)
    return b"{" + b",".join(parts) + b"}"


def check_cases(svc, refused, accepted, field):
    """POST each refused body (expect 422 naming field) and each accepted
    one (expect 201); report every case that went wrong at once."""
    wrong = []
    for what, data in refused:
        r = svc.call("POST", "/items", data)
        if r.status != 422:
            wrong.append(f"{what}: status {r.status}, expected 422\n"
                         + describe(r.request, "422", r))
        elif error_field(r) != field:
            wrong.append(f"{what}: 422 with error.field {error_field(r)!r}, expected {field!r}: "
                         f"{show(r.body, 300)}")
    for what, data in accepted:
        r = svc.call("POST", "/items", data)
        if r.status != 201:
            wrong.append(f"{what} (valid): status {r.status}, expected 201\n"
                         + describe(r.request, "201", r))
    if wrong:
        raise HttpError(f"{len(wrong)} of {len(refused) + len(accepted)} cases wrong:\n\n"
                        + "\n\n".join(wrong))


@pytest.mark.req("ITEMS-014")
def test_name(svc):
    u = uname()
    refused = [("name missing", body(name=_OMIT)), ("name a number", body(name=5)),
               ("name null", body(name=b"null")), ("name empty", body(name="")),
               ("name an array", body(name=[u])), ("101 ASCII characters", body(name="a" * 101)),
               ("101 characters of 2 bytes", body(name="\u00e9" * 101)),
               ("name with U+0001", body(name=u + "\u0001")),
               ("name with a line feed", body(name=u + "\n")),
               ("name with U+007F", body(name=u + "\u007f")),
               ("name with U+0000", body(name=u + "\u0000"))]
    tail = uname("")[-6:]
    accepted = [("100 characters of 4 bytes", body(name="\U0001F600" * 94 + tail)),
                ("100 ASCII characters", body(name="b" * 94 + tail)),
                ("100 characters of 2 bytes", body(name="\u00e9" * 94 + tail)),
                ("one character", body(name=tail[-1]))]
    check_cases(svc, refused, accepted, "name")


@pytest.mark.req("ITEMS-015")
def test_price(svc):
    refused = [("price missing", body(price=_OMIT)), ("price true", body(price=True)),
               ("price a string", body(price="3")), ("price null", body(price=b"null")),
               ("price negative", body(price=-0.01)),
               ("price above 1000000", body(price=1000000.5)),
               ("price an array", body(price=[1])), ("price an object", body(price={}))]
    accepted = [("price 0", body(price=0)), ("price 1000000", body(price=1000000)),
                ("price 0.25", body(price=0.25)), ("price 1e2", body(price=b"1e2"))]
    check_cases(svc, refused, accepted, "price")


@pytest.mark.req("ITEMS-016")
def test_quantity(svc):
    refused = [("quantity 1.0", body(quantity=b"1.0")), ("quantity 1e2", body(quantity=b"1e2")),
               ("quantity 2.5", body(quantity=2.5)), ("quantity a string", body(quantity="3")),
               ("quantity true", body(quantity=True)), ("quantity -1", body(quantity=-1)),
               ("quantity 1000000001", body(quantity=1000000001)),
               ("quantity an array", body(quantity=[1]))]
    accepted = [("quantity 0", body(quantity=0)),
                ("quantity 1000000000", body(quantity=1000000000))]
    check_cases(svc, refused, accepted, "quantity")


@pytest.mark.req("ITEMS-017")
def test_tags(svc):
    refused = [("tags a string", body(tags="office")), ("tags an object", body(tags={"a": "b"})),
               ("11 tags", body(tags=["t"] * 11)), ("a tag that is a number", body(tags=[1])),
               ("an empty tag", body(tags=["ok", ""])),
               ("a tag of 31 characters", body(tags=["a" * 31])),
               ("a tag with a line feed", body(tags=["a\nb"])), ("a null tag", body(tags=[None])),
               ("a tag that is an array", body(tags=[["x"]])), ("tags true", body(tags=True))]
    accepted = [("10 tags of 30 characters of 2 bytes", body(tags=["\u00e9" * 30] * 10)),
                ("a tag of 30 ASCII characters", body(tags=["a" * 30])),
                ("no tags", body(tags=[]))]
    check_cases(svc, refused, accepted, "tags")


@pytest.mark.req("ITEMS-018")
def test_unknown_member_and_id(svc):
    refused = [("a member color", body(color="red"))]
    check_cases(svc, refused, [], "color")
    check_cases(svc, [("an id member", body(id=5)), ("an id member 1", body(id=1))], [], "id")


@pytest.mark.req("ITEMS-018")
def test_refused_creates_create_nothing(fresh):
    svc = fresh
    kept = svc.create()
    _, e0 = svc.scrape()
    before = svc.all_items()
    bad = [(body(color="red"), "application/json"), (body(name=""), "application/json"),
           (body(price=-1), "application/json"), (body(id=kept["id"] + 1), "application/json"),
           (b'{"name":', "application/json"), (body(), "text/plain")]
    for data, ctype in bad:
        r = svc.call("POST", "/items", data, ctype=ctype)
        if r.status < 400 or r.status >= 500:
            raise HttpError("expected a 4xx\n" + describe(r.request, "4xx", r))
    after = svc.all_items()
    assert after == before, f"refused creates changed the list: before {before}, after {after}"
    _, e1 = svc.scrape()
    assert e1.value("items_stored") == e0.value("items_stored"), (
        f"items_stored went from {e0.value('items_stored'):g} to {e1.value('items_stored'):g} "
        f"after {len(bad)} refused creates")
