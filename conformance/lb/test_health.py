"""LB-008..LB-011: active health checks.

The checks run every 0.2 s here (times the timeout multiplier), and the
tests wait for what follows from them: a backend no longer reached by
requests (several in a row avoid it), a backend reached again, a 503. Whether a backend was taken out too early or
put back too early is told from the order of events the backend sees: its
health-check count when each request reached it (between the count read
before the request was sent and after its answer came).
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import Traffic, backend_of, forwarded, send, sequence, show_seq, wait_until  # noqa: E402
from osnet_harness.httpclient import HttpError, describe  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402



def interval(seconds=0.5):
    """--health-interval: short, but scaled like every timeout, since it is
    also how long a check may take (a slow machine must not fail them: at
    0.2 s, 0.4 s in CI, a loaded machine (load 48) let two checks in a row of
    a healthy backend time out, and LB-010's test got a 503)."""
    return f"{T(seconds):g}"


def checks_args(rise, fall, every=0.5):
    return ["--health-path", "/health", "--health-interval", interval(every),
            "--rise", str(rise), "--fall", str(fall)]


def settle(bs, n=2):
    """Wait until every backend has answered n checks (so all are fully up)."""
    for b in bs:
        if b.wait_health_checks(n, timeout=T(20)) is False:
            raise HttpError(f"with --health-path /health, backend {b.name} received "
                            f"{b.health_checks} GET /health checks within {T(20):.0f}s; "
                            f"expected at least {n} (a check every {interval()} s)")


def take_out(lb, sick, tag, k=8):
    """Make `sick` fail its checks and send requests until k in a row avoid
    it; returns the Traffic."""
    sick.healthy = False
    t = Traffic(lb.addr, watch=sick, tag=tag)
    try:
        t.until_avoided(sick.name, k, T(20))
    except HttpError as e:
        raise HttpError(f"{sick.name}'s GET /health has answered 503 for a while "
                        f"({sick.health_checks} checks in all), yet it keeps getting requests: {e}"
                        f"\ncommand: {lb.command_line()}") from None
    return t


@pytest.mark.req("LB-008")
def test_checks_use_the_health_path(launcher, backends, report):
    bs = backends(2)
    path = "/osnet-check?probe=1"
    lb = launcher.start(args=["--health-path", path, "--health-interval", interval()])

    def checked():
        return all(len([r for r in forwarded(b, "osnet-check") if r.method == "GET"]) >= 3
                   for b in bs)

    ok = wait_until(checked, T(20))
    seen = "; ".join(f"{b.name}: " + (", ".join(f"{r.method} {r.target}" for r in b.requests[:5])
                                      or "nothing") for b in bs)
    assert ok, (f"started with --health-path '{path}' --health-interval {interval()} and no client "
                f"traffic, within {T(20):.0f}s each backend should receive GET {path} at "
                f"least 3 times; they received: {seen}\ncommand: {lb.command_line()}")
    wrong = [f"{b.name}: {r.method} {r.target}" for b in bs for r in forwarded(b, "osnet-check")
             if r.method != "GET" or r.target != path]
    assert not wrong, f"health checks must be GET {path} exactly; seen: {'; '.join(wrong)}"


@pytest.mark.req("LB-008")
def test_a_3xx_check_passes(launcher, backends, report):
    bs = backends(2)
    lb = launcher.start(args=["--health-path", "/status/302", "--health-interval", interval(),
                              "--rise", "2", "--fall", "2"])
    ok = wait_until(lambda: all(len(forwarded(b, "/status/302")) >= 4 for b in bs), T(20))
    assert ok, (f"with --health-path /status/302 each backend should be checked at least 4 "
                f"times within {T(20):.0f}s; got "
                + ", ".join(f"{b.name} {len(forwarded(b, '/status/302'))}" for b in bs))
    names = sequence(lb.addr, 6, tag="3xx",
                     what="after 4 checks answered 302 (a pass) on every backend, a request")
    assert {b.name for b in bs} <= set(names), (
        f"every check answered 302, which passes like a 2xx, so both backends stay up; "
        f"6 requests went to\n    {show_seq(names)}")


@pytest.mark.req("LB-009")
def test_failing_checks_take_a_backend_out(launcher, backends, report):
    bs = backends(2)
    b2 = bs[1]
    lb = launcher.start(args=checks_args(rise=2, fall=2))
    settle(bs)
    sequence(lb.addr, 4, tag="pre", what="with every backend healthy, a request")
    t = take_out(lb, b2, "out")
    # Out, and it stays out while its checks keep failing.
    start = len(t.log)
    h = b2.health_checks
    deadline_checks = h + 3

    def more_checks():
        t.one()
        return b2.health_checks >= deadline_checks

    ok = wait_until(more_checks, T(20), pause=0.01)
    assert ok, (f"{b2.name} is down by its checks, but they stopped: {b2.health_checks - h} "
                f"more within {T(20):.0f}s (a down backend must still be checked)")
    after = t.names(start)
    assert b2.name not in after, (
        f"{b2.name} was taken out (8 requests in a row avoided it) but while its checks kept "
        f"failing it got requests again:\n    {show_seq(after)}")


@pytest.mark.req("LB-009")
def test_not_taken_out_before_fall_failures(launcher, backends, report):
    fall = 6
    bs = backends(2)
    b1, b2 = bs
    lb = launcher.start(args=checks_args(rise=2, fall=fall, every=0.75))
    settle(bs)
    b2.healthy = False
    h0 = b2.health_checks  # checks counted from here on answer 503; the one before may too
    need = h0 + fall - 2   # at least fall-2 surely failed checks had arrived
    t = Traffic(lb.addr, watch=b2, tag="fall")
    deadline = T(20)

    def proof_or_out():
        t.one()
        if any(n == b2.name and before >= need for n, before, _ in t.log):
            return "still in"
        names = t.names()
        if len(names) >= 8 and b2.name not in names[-8:]:
            return "out"
        return None

    got = wait_until(proof_or_out, deadline, pause=0.005)
    last_b2 = max((after for n, _, after in t.log if n == b2.name), default=h0)
    assert got == "still in", (
        f"--fall {fall}: {b2.name}'s checks answer 503 from its check #{h0 + 1} on (#{h0} may "
        f"have too), so it must keep getting requests until at least {fall} have failed; the "
        f"last request it got arrived by its check #{last_b2}, i.e. after at most "
        f"{last_b2 - h0 + 1} failed checks, and then "
        + ("8 requests in a row avoided it" if got == "out" else
           f"none reached it with {fall - 2} failed checks behind it within {deadline:.0f}s")
        + f":\n    {show_seq(t.names()[-40:])}\ncommand: {lb.command_line()}")


@pytest.mark.req("LB-010")
def test_back_after_rise_passes(launcher, backends, report):
    rise = 4
    bs = backends(2)
    b1, b2 = bs
    lb = launcher.start(args=checks_args(rise=rise, fall=2))
    settle(bs)
    t = take_out(lb, b2, "rise")
    h = b2.health_checks
    ok = wait_until(lambda: b2.health_checks >= h + 2, T(20))
    assert ok, (f"{b2.name} is down by its checks, but they stopped: {b2.health_checks - h} "
                f"more within {T(20):.0f}s (a down backend must still be checked)")
    b2.healthy = True
    h1 = b2.health_checks  # checks counted from here on pass; the one before may have
    i = t.until_reached(b2.name, T(20))
    _, before, after = t.log[i]
    assert after >= h1 + rise - 1, (
        f"--rise {rise}: {b2.name}'s checks pass from its check #{h1 + 1} on (#{h1} may have "
        f"too), so it must get no request before {rise} have passed, i.e. before its check "
        f"#{h1 + rise - 1} has been answered; its first request came by check #{after}, after at most "
        f"{after - h1 + 1} passed\ncommand: {lb.command_line()}")


@pytest.mark.req("LB-011")
def test_all_down_is_503_and_recovers(launcher, backends, report):
    bs = backends(2)
    b1, b2 = bs
    lb = launcher.start(args=checks_args(rise=2, fall=2))
    settle(bs)
    for b in bs:
        b.healthy = False

    def a_503():
        r = send(lb.addr, "/echo?alldown=1")
        if r.status not in (200, 503):
            raise HttpError("while the backends' checks start failing, a request should get a "
                            "backend's 200 or a 503\n" + describe(r.request, "200 or 503", r))
        return r if r.status == 503 else None

    r = wait_until(a_503, T(20))
    assert r is not None, (f"every backend's checks have failed for {T(20):.0f}s, yet requests "
                           f"still get 200s\ncommand: {lb.command_line()}")
    seen = {b.name: len(b.requests) for b in bs}
    for i in range(5):
        r = send(lb.addr, f"/echo?none={i}")
        if r.status != 503:
            raise HttpError("with every backend down by its checks, requests must be answered "
                            "503\n" + describe(r.request, "503", r))
    reached = [b.name for b in bs if len(b.requests) != seen[b.name]]
    assert not reached, (f"with every backend down, 503s were answered but the requests still "
                         f"reached {', '.join(reached)}")
    b1.healthy = True
    r = wait_until(lambda: (lambda x: x if x.status == 200 else None)(send(lb.addr, "/echo?back=1")),
                   T(20))
    assert r is not None and backend_of(r) == b1.name, (
        f"{b1.name}'s checks pass again, yet within {T(20):.0f}s no request was forwarded to it"
        + (f"\n{describe(r.request, '200 from b1', r)}" if r is not None else ""))
