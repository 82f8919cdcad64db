"""PROXY-023..028: persistent client connections, the upstream keep-alive
pool, --max-idle, and the client-side timeouts."""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import (Conn, HttpError, describe, exchange, get, pipeline,  # noqa: E402
                                      repro, request, show)
from osnet_harness.timeouts import T  # noqa: E402
from proxykit import GRACE, RawOrigin, forward, pattern, reply_and_close  # noqa: E402


@pytest.mark.req("PROXY-023")
def test_client_connection_is_persistent(server, origin, report):
    with Conn(server.addr) as c:
        for i in range(20):
            rq = get(f"/echo?i={i}")
            try:
                r, rec = forward(server, origin, rq, f"request #{i + 1} of 20 on one client "
                                                     f"connection", conn=c)
            except HttpError as e:
                raise HttpError(f"requests sent one after another on one connection: {e}") from None
            if rec.target != f"/echo?i={i}":
                raise HttpError(f"request #{i + 1} reached the origin as {rec.target}")


@pytest.mark.req("PROXY-023")
def test_pipelined_requests_are_answered_in_order(server, origin, report):
    reqs = [get("/bytes/100"), get("/status/404"), request("HEAD", "/bytes/7000"),
            request("POST", "/echo?post", body=b"x" * 5000), get("/bytes/3000?chunked=1"),
            get("/echo?last")]
    data = b"".join(reqs)
    report.repro(repro(server.addr, data))
    with Conn(server.addr) as c:
        rs = pipeline(c, reqs, timeout=T(30))
    want = [(200, pattern(0, 100)), (404, None), (200, b""), (200, None),
            (200, pattern(0, 3000)), (200, None)]
    for i, (r, (status, body)) in enumerate(zip(rs, want)):
        if r.status != status or (body is not None and r.body != body):
            raise HttpError(f"response #{i + 1} to {len(reqs)} requests pipelined in one write "
                            f"is not the answer to request #{i + 1}\n"
                            + describe(reqs[i], f"{status}", r))
    if b"/echo?last" not in rs[-1].body or b"/echo?post" not in rs[3].body:
        raise HttpError("the pipelined requests' answers came out of order:\n"
                        + rs[3].summary() + "\n" + rs[-1].summary())


@pytest.mark.req("PROXY-023")
def test_many_pipelined_errors_are_all_answered(server, origin, report):
    """200 requests in one write while the upstream refuses connections: the
    proxy answers each one itself (502 here; which 5xx is PROXY-029's
    business), so nothing from the upstream wakes the connection between
    answers; every request must still be answered, in order, not just those
    one read of the socket happened to reach."""
    origin.down()
    reqs = [get(f"/echo?n={i}") for i in range(200)]
    report.repro(repro(server.addr, b"".join(reqs[:3])))
    with Conn(server.addr) as c:
        rs = pipeline(c, reqs, timeout=T(60))
    bad = [(i, r.status) for i, r in enumerate(rs) if not 500 <= r.status <= 599]
    if len(rs) != len(reqs) or bad:
        raise HttpError(f"200 GETs pipelined in one write while the upstream refuses "
                        f"connections: expected 200 answers, each a 5xx, got {len(rs)} answers; "
                        f"first unexpected (index, status): {bad[:3]}")


@pytest.mark.req("PROXY-024")
def test_upstream_connection_is_reused_for_one_client(server, origin, report):
    with Conn(server.addr) as c:
        for i in range(5):
            forward(server, origin, get(f"/echo?n={i}"), f"GET #{i + 1}", conn=c)
    conns = [r.conn for r in origin.requests]
    if len(set(conns)) != 1:
        raise HttpError(f"5 GETs sent one after another on one client connection reached the "
                        f"origin on {len(set(conns))} upstream connections (connection of each: "
                        f"{conns}); the proxy must keep its upstream connection alive and reuse "
                        f"it (the origin kept every one open)")


@pytest.mark.req("PROXY-025")
def test_upstream_connection_is_reused_across_clients(server, origin, report):
    _, first = forward(server, origin, get("/echo?client=1"), "client 1's GET", report)
    _, second = forward(server, origin, get("/echo?client=2"), "client 2's GET, on a new "
                                                               "connection after client 1 closed")
    if first.conn != second.conn:
        raise HttpError(f"client 1's GET reached the origin on upstream connection "
                        f"{first.conn}; after client 1 closed, client 2's GET came on a new "
                        f"one ({second.conn}) although the first was idle and open")


@pytest.mark.req("PROXY-026")
def test_upstream_connection_closed_by_the_origin_is_not_reused(launcher, report):
    raw = RawOrigin(reply_and_close)
    try:
        s = launcher.start(upstream=raw.hostport)
        with Conn(s.addr) as c:
            for i in range(1, 4):
                rq = get(f"/x?round={i}")
                try:
                    _, r = exchange(s.addr, rq, conn=c, timeout=T(10))
                except HttpError as e:
                    raise HttpError(f"round {i}: {e}") from None
                if r.status != 200 or r.get("X-Origin-Conn") is None:
                    raise HttpError(
                        f"the origin closes each connection after one response (as an origin "
                        f"ends an idle keep-alive connection); request #{i} on one client "
                        f"connection must still get the origin's 200\n"
                        + describe(rq, "200 from a fresh upstream connection", r))
                # The origin has closed that connection before the next request.
                if not raw.wait(lambda: i in raw.closed, T(10)):
                    raise HttpError("the test origin did not close its connection")
        # A new client connection too.
        _, r = exchange(s.addr, get("/x?new-client"), timeout=T(10))
        if r.status != 200:
            raise HttpError("a new client after the origin closed its idle connection:\n"
                            + r.summary())
    finally:
        raw.stop()


@pytest.mark.req("PROXY-027")
def test_idle_upstream_connection_is_closed_after_max_idle(launcher, origin, report):
    s = launcher.start(args=["--max-idle", "1"])
    with Conn(s.addr) as c:
        _, rec = forward(s, origin, get("/echo"), "GET /echo", report, conn=c)
        bound = 1 + T(GRACE)
        start = time.monotonic()
        if not origin.wait_conn_closed(rec.conn, bound):
            raise HttpError(f"started with --max-idle 1, the proxy kept its idle upstream "
                            f"connection open for {time.monotonic() - start:.0f}s after the "
                            f"response (the origin never saw it close)")


HEADER_TIMEOUT = 2
IDLE_TIMEOUT = 2


@pytest.mark.req("PROXY-028")
def test_slow_request_head_is_cut_off(launcher, origin, report):
    s = launcher.start(args=["--header-timeout", str(HEADER_TIMEOUT)])
    bound = HEADER_TIMEOUT + T(GRACE)
    head = b"GET /echo HTTP/1.1\r\nHost: osnet.test\r\nX-Slow: " + b"s" * 10000 + b"\r\n\r\n"
    start = time.monotonic()
    with Conn(s.addr) as c:
        sent = 0
        c.sock.settimeout(0.2)
        while time.monotonic() - start < bound:
            try:
                c.sock.send(head[sent:sent + 1])
                sent += 1
            except OSError:
                return  # the proxy closed (or reset) the connection: that is the point
            try:
                b = c.sock.recv(65536)
                if not b:
                    return
            except TimeoutError:
                pass
            except OSError:
                return
    raise HttpError(f"started with --header-timeout {HEADER_TIMEOUT}, a request head sent a "
                    f"byte every 0.2s ({sent} bytes so far) was not cut off within "
                    f"{bound:.0f}s of its first byte")


@pytest.mark.req("PROXY-028")
def test_idle_client_connection_is_closed(launcher, origin, report):
    s = launcher.start(args=["--idle-timeout", str(IDLE_TIMEOUT)])
    c, r = exchange(s.addr, get("/echo"))
    with c:
        if r.status != 200:
            raise HttpError("GET /echo:\n" + r.summary())
        bound = IDLE_TIMEOUT + T(GRACE)
        extra, why = c.read_eof(timeout=bound)
    if why == "timeout":
        raise HttpError(f"started with --idle-timeout {IDLE_TIMEOUT}, a client connection left "
                        f"idle after one response was still open after {bound:.0f}s")
    if extra:
        raise HttpError(f"an idle client connection must be closed with no response; the proxy "
                        f"sent {show(extra)}")
