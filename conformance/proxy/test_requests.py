"""PROXY-003..011, PROXY-042: what the origin receives: method, target, version, fields,
bodies, hop-by-hop fields removed, X-Forwarded-For/-Proto and Via added."""
import pathlib
import random
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, chunked, describe, get, pipeline,  # noqa: E402
                                      repro, request)
from osnet_harness.net import describe_diff  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402
from proxykit import VIA_MEMBER, forward, members, origin_view  # noqa: E402

# Percent escapes in both cases, an encoded slash, a tilde, an empty query
# pair, a plus: a proxy that decodes or normalises the target changes it.
TARGET = "/echo/a%2Fb/%7e/c%7E?q=%41%20b&x=1&&y=+z"


def check_target(rec, method, target, rq, version="HTTP/1.1"):
    if rec.method != method or rec.target != target or rec.version != version:
        raise HttpError(f"the origin received `{rec.method} {rec.target} {rec.version}` for a "
                        f"request sent as `{method} {target}`; expected the same method and "
                        f"target, byte for byte, and version {version}\n"
                        + describe(rq, f"{method} {target} {version} at the origin",
                                   note="the origin received:\n" + origin_view(rec)))


METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]


@pytest.mark.req("PROXY-003")
@pytest.mark.parametrize("method", METHODS)
def test_method_and_target_are_forwarded_unchanged(server, origin, report, method):
    body = b"payload" if method in ("POST", "PUT", "PATCH") else b""
    rq = request(method, TARGET, body=body)
    r, rec = forward(server, origin, rq, f"{method} {TARGET}", report)
    check_target(rec, method, TARGET, rq)


@pytest.mark.req("PROXY-042")
def test_http10_request_is_forwarded_as_http11(server, origin, report):
    rq = get("/echo?from=1.0", version="HTTP/1.0")
    r, rec = forward(server, origin, rq, "an HTTP/1.0 GET", report)
    check_target(rec, "GET", "/echo?from=1.0", rq, version="HTTP/1.1")


END_TO_END = [("User-Agent", "osnet-test/1.0 (proxy)"), ("Accept", "application/json, */*;q=0.5"),
              ("X-Multi", "first"), ("Authorization", "Bearer abc.def"),
              ("X-Other", "a value with  two spaces and \"quotes\""),
              ("X-Multi", "second"), ("Cookie", "a=1; b=2"), ("X-Multi", "third")]


@pytest.mark.req("PROXY-004")
def test_end_to_end_fields_and_host_are_forwarded(server, origin, report):
    rq = request("GET", "/echo", END_TO_END, host="example.test:8080")
    r, rec = forward(server, origin, rq, "a GET with end-to-end fields", report)
    hosts = rec.header_values("Host")
    problems = []
    if hosts != ["example.test:8080"]:
        problems.append(f"Host: expected exactly one, 'example.test:8080' as sent, got {hosts}")
    for name in dict(END_TO_END):
        want = [v for k, v in END_TO_END if k == name]
        got = rec.header_values(name)
        # Several fields of one name may arrive as one comma-joined line
        # (RFC 9110 §5.3): compare the joined lists.
        if ", ".join(got) != ", ".join(want):
            problems.append(f"{name}: sent {want}, the origin got {got}")
    if problems:
        raise HttpError("the origin did not receive the request's end-to-end fields as sent:\n  "
                        + "\n  ".join(problems) + "\n"
                        + describe(rq, "every end-to-end field forwarded unchanged, in order",
                                   note="the origin received:\n" + origin_view(rec)))


def check_body(rec, body, rq_desc, rq):
    if rec.body_length != len(body) or bytes(rec.body) != body[:len(rec.body)] or not rec.complete:
        raise HttpError(f"{rq_desc}: the origin did not receive the body as sent "
                        f"({'whole' if rec.complete else 'incomplete'})\n"
                        + describe_diff(body, bytes(rec.body))
                        + "\nthe origin received:\n" + origin_view(rec))


@pytest.mark.req("PROXY-005")
@pytest.mark.parametrize("method,size", [("POST", 300000), ("PUT", 1), ("POST", 0)])
def test_content_length_body_is_forwarded(server, origin, report, method, size):
    body = random.Random(size).randbytes(size)
    rq = request(method, "/echo", [("Content-Length", str(size))]) + body
    r, rec = forward(server, origin, rq, f"a {method} with a {size}-byte body", report)
    check_body(rec, body, f"{method} with Content-Length: {size}", rq)
    if size and rec.header_values("Content-Length") != [str(size)] and \
            "chunked" not in (rec.header("Transfer-Encoding") or "").lower():
        raise HttpError(f"a body sent with Content-Length: {size} reached the origin with "
                        f"Content-Length {rec.header_values('Content-Length')}\n"
                        + origin_view(rec))
    if size and rec.header("Transfer-Encoding") is not None:
        raise HttpError(f"a body sent with Content-Length: {size} reached the origin chunked; "
                        f"the Content-Length must be forwarded as it is\n" + origin_view(rec))


CHUNKS = [b"a" * 10, bytes(range(256)) * 40, b"\r\n0\r\n\r\n", b"z" * 3000]


@pytest.mark.req("PROXY-006")
@pytest.mark.parametrize("how", ["one-write", "7-byte-writes"])
def test_chunked_body_is_forwarded(server, origin, report, how):
    body = b"".join(CHUNKS)
    wire = chunked(CHUNKS, ext=b";name=value", trailers=[b"X-Trailer: yes"], upper=True)
    head = request("POST", "/echo?chunked", [("Transfer-Encoding", "chunked")])
    nxt = get("/echo?next")
    data = head + wire + nxt
    report.repro(repro(server.addr, data))
    with Conn(server.addr) as c:
        if how == "one-write":
            c.send(data)
        else:
            c.send_slowly(data, piece=7)
        first, second = pipeline(c, [head, nxt], write=False, timeout=T(30))
    recs = origin.wait_requests(2, T(10))
    if first.status != 200 or len(recs) < 1:
        raise HttpError("a chunked POST was not forwarded\n"
                        + describe(data, "200 from the origin", first))
    rec = recs[0]
    check_body(rec, body, "a chunked POST (uppercase sizes, extensions, a trailer)", data)
    te = (rec.header("Transfer-Encoding") or "").lower()
    cl = rec.header_values("Content-Length")
    if te != "chunked" and cl != [str(len(body))]:
        raise HttpError(f"a chunked body must reach the origin chunked or with "
                        f"Content-Length: {len(body)}; it came with Transfer-Encoding "
                        f"{rec.header('Transfer-Encoding')!r}, Content-Length {cl}\n"
                        + origin_view(rec))
    if second.status != 200 or len(recs) < 2 or recs[1].target != "/echo?next":
        raise HttpError("the GET pipelined after a chunked POST was not forwarded and answered "
                        "normally\n" + describe(data, "200 for GET /echo?next", second))


def check_absent(rec, names, rq, why):
    present = [(k, v) for k, v in rec.headers if k.lower() in {n.lower() for n in names}]
    if present:
        raise HttpError(f"{why}; the origin received "
                        + ", ".join(f"{k}: {v}" for k, v in present) + "\n"
                        + describe(rq, "none of " + ", ".join(names) + " at the origin",
                                   note="the origin received:\n" + origin_view(rec)))


def check_connection(rec, rq):
    """Connection may be the proxy's own (close / keep-alive), nothing else."""
    extra = [t for t in members(rec.header("Connection")) if t.lower() not in ("close", "keep-alive")]
    if extra:
        raise HttpError(f"the client's Connection field was forwarded: the origin received "
                        f"Connection: {rec.header('Connection')} (options {extra} are the "
                        f"client's, for its hop only)\n" + origin_view(rec))


@pytest.mark.req("PROXY-007")
def test_connection_and_the_fields_it_names_are_removed(server, origin, report):
    rq = request("GET", "/echo", [("Connection", "X-Hop-A, x-hop-b"), ("X-Hop-A", "1"),
                                  ("X-Keep", "3"), ("X-Hop-B", "2")])
    r, rec = forward(server, origin, rq, "a GET whose Connection names X-Hop-A and X-Hop-B",
                     report)
    check_absent(rec, ["X-Hop-A", "X-Hop-B"], rq,
                 "fields named by the request's Connection field must not be forwarded")
    check_connection(rec, rq)
    if rec.header("X-Keep") != "3":
        raise HttpError("X-Keep, an end-to-end field next to the hop-by-hop ones, was lost\n"
                        + origin_view(rec))


HOP = [("Keep-Alive", "timeout=5, max=100"), ("TE", "trailers"), ("Trailer", "X-Checksum"),
       ("Upgrade", "osnet/1"), ("Proxy-Connection", "keep-alive"),
       ("Proxy-Authorization", "Basic dXNlcjpwYXNz")]


@pytest.mark.req("PROXY-008")
@pytest.mark.parametrize("name,value", HOP, ids=[n for n, _ in HOP])
def test_known_hop_by_hop_fields_are_removed(server, origin, report, name, value):
    rq = request("GET", "/echo", [(name, value), ("X-Keep", "3")])
    r, rec = forward(server, origin, rq, f"a GET with {name}", report)
    check_absent(rec, [name], rq, f"{name} is hop-by-hop and must not be forwarded, even "
                                  f"when Connection does not name it")


def xff(rec):
    return members(rec.header("X-Forwarded-For"))


@pytest.mark.req("PROXY-009")
@pytest.mark.parametrize("incoming", [[], ["203.0.113.7"], ["203.0.113.7, 198.51.100.2"],
                                      ["203.0.113.7", "198.51.100.2"]],
                         ids=["none", "one", "list", "two-lines"])
def test_x_forwarded_for_appends_the_client(server, origin, report, incoming):
    rq = request("GET", "/echo", [("X-Forwarded-For", v) for v in incoming])
    r, rec = forward(server, origin, rq, "a GET", report)
    want = [m for v in incoming for m in members(v)] + ["127.0.0.1"]
    if xff(rec) != want:
        raise HttpError(f"X-Forwarded-For: expected the list {', '.join(want)} (the client's "
                        f"address appended to what it sent), the origin received "
                        f"{rec.header_values('X-Forwarded-For')}\n"
                        + describe(rq, "X-Forwarded-For: " + ", ".join(want),
                                   note="the origin received:\n" + origin_view(rec)))


@pytest.mark.req("PROXY-010")
@pytest.mark.parametrize("incoming", [None, "https", "http"])
def test_x_forwarded_proto_is_http(server, origin, report, incoming):
    rq = request("GET", "/echo", [("X-Forwarded-Proto", incoming)] if incoming else [])
    r, rec = forward(server, origin, rq, "a GET", report)
    got = rec.header_values("X-Forwarded-Proto")
    if got != ["http"]:
        raise HttpError(f"the origin must receive exactly one X-Forwarded-Proto: http (the "
                        f"client came over plain TCP); it received {got}"
                        + (f" (the client sent {incoming!r})" if incoming else "") + "\n"
                        + origin_view(rec))


@pytest.mark.req("PROXY-011")
@pytest.mark.parametrize("incoming", [[], ["1.0 fred, 1.1 example.net"], ["1.0 fred", "HTTP/1.1 gw"]],
                         ids=["none", "list", "two-lines"])
def test_via_is_appended_to_the_request(server, origin, report, incoming):
    rq = request("GET", "/echo", [("Via", v) for v in incoming])
    r, rec = forward(server, origin, rq, "a GET", report)
    sent = [m for v in incoming for m in members(v)]
    got = members(rec.header("Via"))
    ok = len(got) == len(sent) + 1 and got[:len(sent)] == sent and VIA_MEMBER.match(got[-1])
    if not ok:
        raise HttpError(f"Via at the origin: expected {sent + ['1.1 <proxy name>']} (the "
                        f"client's members kept, the proxy's own '1.1 <name>' last), got {got}\n"
                        + describe(rq, "Via ending in the proxy's own 1.1 member",
                                   note="the origin received:\n" + origin_view(rec)))
