"""ITEMS-020..022: media types, malformed bodies, the body size limit."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import uname  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, request  # noqa: E402


def item_bytes(size=None, **kw):
    """A valid item as JSON, padded with spaces to exactly size bytes."""
    data = json.dumps({"name": uname(), "price": 2, **kw}).encode()
    if size is not None:
        assert size >= len(data)
        data = data[:-1] + b" " * (size - len(data)) + b"}"
    return data


def run_cases(svc, cases, want):
    wrong = []
    for what, data in cases:
        r = svc.send(data)
        if r.status != want:
            wrong.append(f"{what}: status {r.status}, expected {want}\n" + describe(data, want, r))
    if wrong:
        raise HttpError(f"{len(wrong)} of {len(cases)} cases wrong:\n\n" + "\n\n".join(wrong))


@pytest.mark.req("ITEMS-020")
def test_media_type(svc):
    item = svc.create()
    iid = item["id"]
    b = item_bytes()
    refused = [("POST without Content-Type", request("POST", "/items", [], body=b)),
               ("POST text/plain", request("POST", "/items", [("Content-Type", "text/plain")],
                                           body=b)),
               ("POST application/jsonx", request("POST", "/items",
                                                  [("Content-Type", "application/jsonx")], body=b)),
               ("POST application/merge-patch+json", request(
                   "POST", "/items", [("Content-Type", "application/merge-patch+json")], body=b)),
               ("PUT without Content-Type", request("PUT", f"/items/{iid}", [], body=item_bytes())),
               ("PUT text/plain", request("PUT", f"/items/{iid}", [("Content-Type", "text/plain")],
                                          body=item_bytes()))]
    run_cases(svc, refused, 415)
    accepted = [("Application/JSON; charset=utf-8", request(
                    "POST", "/items", [("Content-Type", "Application/JSON; charset=utf-8")],
                    body=item_bytes())),
                ("application/json;charset=UTF-8", request(
                    "POST", "/items", [("Content-Type", "application/json;charset=UTF-8")],
                    body=item_bytes())),
                ("PUT application/json", request(
                    "PUT", f"/items/{iid}", [("Content-Type", "application/json")],
                    body=item_bytes(name=item["name"])))]
    run_cases(svc, accepted[:2], 201)
    run_cases(svc, accepted[2:], 200)
    got = svc.get(iid)
    assert got is not None and got["name"] == item["name"], \
        f"after refused PUTs and one accepted PUT the item is {got}"


BAD_BODIES = [
    ("an empty body", b""),
    ("a syntax error", b'{"name": "a", "price": }'),
    ("a truncated object", b'{"name": "a", "price": 1'),
    ("data after the object", b'{"name": "a", "price": 1} x'),
    ("two objects", b'{"name": "a", "price": 1}{"name": "b", "price": 1}'),
    ("a top-level array", b'[{"name": "a", "price": 1}]'),
    ("a top-level string", b'"name"'),
    ("a top-level number", b"3"),
    ("a top-level null", b"null"),
    ("single quotes", b"{'name': 'a', 'price': 1}"),
    ("an unquoted member name", b'{name: "a", "price": 1}'),
    ("invalid UTF-8 (0xFF)", b'{"name": "a\xffb", "price": 1}'),
    ("invalid UTF-8 (a lone continuation byte)", b'{"name": "a\x80b", "price": 1}'),
    ("invalid UTF-8 (an overlong encoding of /)", b'{"name": "a\xc0\xafb", "price": 1}'),
    ("a duplicate member name", b'{"name": "a", "name": "b", "price": 1}'),
    ("a duplicate member with the same value", b'{"name": "a", "price": 1, "price": 1}'),
]


@pytest.mark.req("ITEMS-021")
def test_malformed_bodies_400(fresh):
    svc = fresh
    cases = []
    for what, data in BAD_BODIES:
        hs = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        cases.append((what, request("POST", "/items", hs, body=data)))
    run_cases(svc, cases, 400)
    assert svc.all_items() == [], "a malformed body created an item"
    item = svc.create()
    for method in ("PUT", "PATCH"):
        for what, data in BAD_BODIES[1:5]:
            r = svc.call(method, f"/items/{item['id']}", data)
            svc.expect(r, 400, f"{method} with {what}")


@pytest.mark.req("ITEMS-022")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_max_body(start, chunked):
    svc = start("--max-body", "1000")
    r = svc.call("POST", "/items", item_bytes(1001), chunked=chunked)
    svc.expect(r, 413, "POST /items with a 1001-byte body, --max-body 1000")
    r = svc.call("POST", "/items", item_bytes(1000), chunked=chunked)
    svc.expect(r, 201, "POST /items with a valid 1000-byte body, --max-body 1000")


@pytest.mark.req("ITEMS-022")
def test_max_body_default(fresh):
    svc = fresh
    r = svc.call("POST", "/items", item_bytes(65537))
    svc.expect(r, 413, "POST /items with a 65537-byte body (the default --max-body is 65536)")
    r = svc.call("POST", "/items", item_bytes(65536))
    svc.expect(r, 201, "POST /items with a valid 65536-byte body (the default --max-body)")
