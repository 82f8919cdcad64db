"""SIDECAR-001..003: the sidecar forwards like a reverse proxy."""
import pathlib
import sys
import zlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.backends import pattern  # noqa: E402
from osnet_harness.httpclient import (  # noqa: E402
    Conn, HttpError, chunked, describe, expect_status, get, request)
from sidecarkit import echoed, fields  # noqa: E402


@pytest.mark.req("SIDECAR-001")
def test_requests_forwarded_and_responses_relayed(sidecar, origin, report):
    sent = [
        get("/echo?x=1&y=two", [("X-Test", "abc")]),
        request("DELETE", "/status/404", [("X-Test", "del")]),
        request("PUT", "/status/201", [("X-Test", "put")], body=b"hello"),
        request("HEAD", "/echo"),
    ]
    report.repro(f"curl -sv 'http://{sidecar.addr[0]}:{sidecar.addr[1]}/echo?x=1&y=two'")
    with Conn(sidecar.addr) as c:
        got = [sidecar.send(rq, conn=c) for rq in sent]
    for rq, r, code in zip(sent, got, (200, 404, 201, 200)):
        expect_status(r, code, "the origin's status relayed through the sidecar", rq)
        if r.get("X-Backend") != "origin":
            raise HttpError("the origin's own field X-Backend: origin is missing from the "
                            "response\n" + describe(rq, "X-Backend: origin", r))
    e = echoed(got[0])
    if (e["method"], e["target"]) != ("GET", "/echo?x=1&y=two") or fields(e, "X-Test") != ["abc"]:
        raise HttpError(f"the origin received {e['method']} {e['target']} with X-Test "
                        f"{fields(e, 'X-Test')}; expected GET /echo?x=1&y=two with X-Test: abc\n"
                        + describe(sent[0], "the request forwarded as sent"))
    arrived = [(q.method, q.target) for q in origin.wait_requests(4)]
    want = [("GET", "/echo?x=1&y=two"), ("DELETE", "/status/404"), ("PUT", "/status/201"),
            ("HEAD", "/echo")]
    assert arrived == want, (f"four requests on one client connection reached the origin as "
                             f"{arrived}; expected {want}")
    if got[3].body:
        raise HttpError("the response to HEAD has a body\n" + describe(sent[3], "no body", got[3]))


@pytest.mark.req("SIDECAR-002")
def test_bodies_intact_both_ways(sidecar, origin):
    body = bytes((i * 7 + 3) % 256 for i in range(100_000))
    pieces = [body[:1], body[1:40_000], body[40_000:]]
    cases = [
        ("Content-Length", request("POST", "/echo", body=body)),
        ("chunked", request("POST", "/echo", [("Transfer-Encoding", "chunked")])
         + chunked(pieces)),
    ]
    with Conn(sidecar.addr) as c:
        for how, rq in cases:
            r = sidecar.send(rq, conn=c)
            expect_status(r, 200, f"POST with a {how} body", rq)
            e = echoed(r)
            if e["body_length"] != len(body) or e["body_crc32"] != zlib.crc32(body) \
                    or not e["complete"]:
                raise HttpError(f"a {len(body)}-byte request body framed with {how} reached the "
                                f"origin as {e['body_length']} bytes (CRC-32 {e['body_crc32']:#x}, "
                                f"expected {zlib.crc32(body):#x}; complete: {e['complete']})")
        for target, n in (("/bytes/200000", 200_000), ("/bytes/50000?chunked=1", 50_000)):
            rq = get(target)
            r = sidecar.send(rq, conn=c)
            expect_status(r, 200, f"GET {target}", rq)
            if r.body != pattern(0, n):
                raise HttpError(f"GET {target}: the origin sent {n} bytes (byte i = i % 256); the "
                                f"client received {len(r.body)} bytes, "
                                f"{'equal' if r.body == pattern(0, len(r.body)) else 'different'} "
                                f"as far as they go\n" + describe(rq, f"{n} pattern bytes", r))


@pytest.mark.req("SIDECAR-003")
def test_origin_down_is_502_then_recovers(sidecar, origin):
    rq = get("/echo")
    expect_status(sidecar.send(rq), 200, "with the origin up", rq)
    origin.down()
    r = sidecar.send(rq)
    expect_status(r, 502, "with the origin refusing connections", rq)
    if r.framing != "content-length":
        raise HttpError("the 502 is not framed by Content-Length\n" + describe(rq, "a 502 with "
                                                                           "Content-Length", r))
    origin.up()
    r = sidecar.send(rq)
    expect_status(r, 200, "once the origin listens again, the request is forwarded", rq)
