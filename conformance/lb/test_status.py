"""LB-016..LB-018: GET /lb/status, the reference's JSON status page."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import backend_of, forwarded, lb_status, send, sequence, status_of, wait_until  # noqa: E402
from osnet_harness.httpclient import Conn, HttpError, curl, describe, get, pipeline  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


def show_status(data):
    return "\n".join(f"    {b}" for b in data.get("backends", [])) or "    (no backends)"


@pytest.mark.req("LB-016")
@pytest.mark.parametrize("policy", [None, "random", "least-conn"])
def test_status_format(launcher, backends, report, policy):
    bs = backends(3)
    lb = launcher.start(args=["--policy", policy] if policy else [])
    report.repro(curl(lb.addr, "/lb/status").replace(" -o /dev/null", ""))
    r, data = lb_status(lb.addr)
    ctype = r.media_type()
    if ctype != "application/json":
        raise HttpError("GET /lb/status must be application/json\n"
                        + describe(r.request, "Content-Type: application/json", r))
    want = policy or "round-robin"
    assert data["policy"] == want, (f'started with {"--policy " + policy if policy else "no --policy"}, '
                                    f'/lb/status says "policy": {data["policy"]!r}; expected {want!r}')
    addrs = [b.get("address") for b in data["backends"]]
    assert addrs == [b.hostport for b in bs], (
        f"/lb/status lists backends {addrs}; expected those of --backends, in order: "
        f"{[b.hostport for b in bs]}")
    states = [b["state"] for b in data["backends"]]
    assert states == ["up"] * 3, f"at the start every backend is up; /lb/status says {states}"
    leaked = [b.name for b in bs if forwarded(b, "/lb/status")]
    assert not leaked, (f"GET /lb/status is answered by the load balancer itself, but it was "
                        f"forwarded to {', '.join(leaked)}")


@pytest.mark.req("LB-016")
def test_status_pipelined(launcher, backends, report):
    """Answered by the load balancer itself, /lb/status costs no backend
    round trip: many of them pipelined in one write are answered in one
    go, and a server that answers a bounded number per wakeup must come
    back for the rest by itself (the bytes are already read: no new event
    will wake it)."""
    backends(1)
    lb = launcher.start()
    n = 300
    reqs = [get("/lb/status") for _ in range(n)]
    with Conn(lb.addr) as c:
        rs = pipeline(c, reqs, timeout=T(10))
    bad = [i + 1 for i, r in enumerate(rs) if r.status != 200]
    if bad:
        raise HttpError(f"{n} GET /lb/status pipelined in one write: responses {bad[:10]} are "
                        f"not 200\n" + describe(reqs[bad[0] - 1], "200", rs[bad[0] - 1]))


@pytest.mark.req("LB-017")
def test_status_counts_requests_and_active(launcher, backends, report):
    bs = backends(3)
    lb = launcher.start()
    _, data = lb_status(lb.addr)
    zero = [b for b in data["backends"] if (b["active"], b["requests"], b["failures"]) != (0, 0, 0)]
    assert not zero, ("at the start active, requests and failures are 0; /lb/status says\n"
                      + show_status(data))
    sequence(lb.addr, 7, tag="cnt")
    _, data = lb_status(lb.addr)
    for b in bs:
        st = status_of(data, b)
        got = len(b.requests)
        assert st["requests"] == got and st["active"] == 0, (
            f"after 7 requests (all answered), {b.name} received {got}; /lb/status should say "
            f'"requests": {got}, "active": 0, and says\n' + show_status(data))
    c = Conn(lb.addr)
    try:
        c.send(get("/hold/st1"))
        found = wait_until(lambda: [b for b in bs if b.wait_arrived("st1", timeout=0)], T(10))
        assert found, f"GET /hold/st1 reached no backend within {T(10):.0f}s"
        x = found[0]
        _, data = lb_status(lb.addr)
        for b in bs:
            st = status_of(data, b)
            want = 1 if b is x else 0
            assert st["active"] == want and st["requests"] == len(b.requests), (
                f"with one request held unanswered on {x.name}, /lb/status should say "
                f'"active": 1 for it and 0 for the others, and "requests" as received '
                f"({', '.join(f'{y.name} {len(y.requests)}' for y in bs)}); it says\n"
                + show_status(data))
        x.release("st1")
        r = c.read_response("GET")
        assert r.status == 200 and backend_of(r) == x.name
    finally:
        c.close()
    ok = wait_until(lambda: status_of(lb_status(lb.addr)[1], x)["active"] == 0, T(10))
    assert ok, (f"the held request on {x.name} was answered, yet /lb/status still shows it "
                f"active after {T(10):.0f}s:\n" + show_status(lb_status(lb.addr)[1]))


@pytest.mark.req("LB-017")
def test_status_requests_exclude_health_checks(launcher, backends, report):
    """With active checks on, "requests" still counts client requests only:
    each backend has answered several checks before the requests are sent,
    and the counts must equal what each backend received from clients."""
    bs = backends(3)
    lb = launcher.start(args=["--health-path", "/health", "--health-interval", f"{T(0.5):g}"])
    for b in bs:
        assert b.wait_health_checks(3, timeout=T(20)), (
            f"{b.name} answered {b.health_checks} health checks within {T(20):.0f}s of the start "
            "with --health-path /health; expected at least 3")
    sequence(lb.addr, 6, tag="hc")
    _, data = lb_status(lb.addr)
    for b in bs:
        st = status_of(data, b)
        got = len(b.requests)
        assert st["requests"] == got, (
            f"{b.name} received {got} client requests and answered {b.health_checks} health "
            f'checks; "requests" counts client requests only, so /lb/status should say '
            f'"requests": {got}, and says\n' + show_status(data))


def wait_state(lb, b, state, what):
    last = {}

    def check():
        data = lb_status(lb.addr)[1]
        last["data"] = data
        st = status_of(data, b)
        return st if st is not None and st["state"] == state else None

    st = wait_until(check, T(20), pause=0.05)
    assert st is not None, (f"{what}; within {T(20):.0f}s /lb/status should show {b.name} "
                            f'"state": "{state}", and says\n' + show_status(last.get("data", {})))
    return st


@pytest.mark.req("LB-018")
def test_status_shows_ejection(launcher, backends, report):
    bs = backends(3)
    b1 = bs[0]
    lb = launcher.start(args=["--eject-time", str(int(T(600)))])
    b1.down()
    sequence(lb.addr, 3, tag="ej", what=f"while {b1.name} refuses connections, a GET")
    _, data = lb_status(lb.addr)
    st = status_of(data, b1)
    assert st["state"] == "down" and st["failures"] >= 1, (
        f'{b1.name} refused a connection and is out for --eject-time {int(T(600))} s, so '
        f'/lb/status should say "state": "down", "failures" >= 1; it says\n' + show_status(data))
    others = [status_of(data, b)["state"] for b in bs[1:]]
    assert others == ["up", "up"], f"only {b1.name} failed; /lb/status says\n" + show_status(data)


@pytest.mark.req("LB-018")
def test_status_shows_health_checks(launcher, backends, report):
    bs = backends(2)
    b2 = bs[1]
    lb = launcher.start(args=["--health-path", "/health", "--health-interval", f"{T(0.5):g}",
                              "--rise", "2", "--fall", "2"])
    for b in bs:
        b.wait_health_checks(2, timeout=T(20))
    b2.healthy = False
    st = wait_state(lb, b2, "down", f"{b2.name}'s GET /health answers 503 (--fall 2)")
    assert st["failures"] >= 1, (f'{b2.name} is down after failed checks, so its "failures" '
                                 f"is at least 1; /lb/status says {st}")
    b2.healthy = True
    wait_state(lb, b2, "up", f"{b2.name}'s GET /health answers 200 again (--rise 2)")
    r = send(lb.addr, "/echo?after=1")
    assert r.status == 200
