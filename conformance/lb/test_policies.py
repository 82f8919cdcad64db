"""LB-003..LB-007: round-robin, random and least-conn."""
import itertools
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import backend_of, counts, curl_loop, rotation, sequence, show_seq, wait_until  # noqa: E402
from osnet_harness.httpclient import Conn, HttpError, describe, exchange, get  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


def policy_sequence(launcher, backends, report, nb, policy, n, tag, repro_n=None):
    """nb backends, the load balancer started with --policy `policy` (None:
    its default), a curl loop of repro_n (default n) requests for the
    report, and n requests sent one after another. Returns (backends, lb,
    the names of the backends that answered, in order)."""
    bs = backends(nb)
    lb = launcher.start(args=["--policy", policy] if policy else ())
    report.repro(curl_loop(lb.addr, repro_n or n))
    return bs, lb, sequence(lb.addr, n, tag=tag)


def expect_rotation(names, bs, what, lb):
    order = [b.name for b in bs]
    assert rotation(names, order), (
        f"{what}: {len(names)} requests sent one after another went to\n"
        f"    {show_seq(names)}\n"
        f"expected: strict cyclic order of --backends ({' '.join(order)} {' '.join(order)} ..., "
        f"starting at any of them)\ncommand: {lb.command_line()}")


@pytest.mark.req("LB-003")
def test_round_robin_is_the_default(launcher, backends, report):
    bs, lb, names = policy_sequence(launcher, backends, report, 3, None, 12, "rr")
    expect_rotation(names, bs, "without --policy (round-robin by default)", lb)


@pytest.mark.req("LB-003")
@pytest.mark.parametrize("n", [2, 4])
def test_round_robin_strict_cycle(launcher, backends, report, n):
    bs, lb, names = policy_sequence(launcher, backends, report, n, "round-robin", 4 * n, "rr")
    expect_rotation(names, bs, f"--policy round-robin over {n} backends", lb)


@pytest.mark.req("LB-003")
def test_round_robin_per_request_on_one_connection(launcher, backends, report):
    bs = backends(3)
    lb = launcher.start(args=["--policy", "round-robin"])
    names = []
    with Conn(lb.addr) as c:
        for i in range(12):
            rq = get(f"/echo?ka={i}")
            _, r = exchange(lb.addr, rq, conn=c)
            if r.status != 200 or backend_of(r) is None:
                raise HttpError(f"request #{i + 1} of 12 on one persistent connection\n"
                                + describe(rq, "200 from one of the backends", r))
            names.append(backend_of(r))
    expect_rotation(names, bs, "--policy round-robin, 12 requests on ONE persistent client "
                               "connection (the choice is per request, not per connection)", lb)


def cyclic_somehow(names, bs):
    """True if names follow some fixed cyclic order of the backends."""
    return any(rotation(names, list(p)) for p in itertools.permutations([b.name for b in bs]))


@pytest.mark.req("LB-004")
def test_random_uses_every_backend_in_no_fixed_order(launcher, backends, report):
    bs, lb, names = policy_sequence(launcher, backends, report, 3, "random", 60, "rnd",
                                    repro_n=20)
    got = counts(names)
    unused = [b.name for b in bs if b.name not in got]
    assert not unused, (f"--policy random: 60 requests never reached {', '.join(unused)} "
                        f"(a uniform choice misses one of 3 backends 60 times in a row about "
                        f"once in 10^10 runs):\n    {show_seq(names)}")
    assert not cyclic_somehow(names, bs), (
        f"--policy random: 60 requests followed a fixed cycle, as round-robin would:\n"
        f"    {show_seq(names)}")


@pytest.mark.req("LB-005")
def test_random_is_uniform(launcher, backends, report):
    bs = backends(3)
    lb = launcher.start(args=["--policy", "random"])
    names = sequence(lb.addr, 300, tag="uni")
    got = counts(names)
    shares = ", ".join(f"{b.name} {got.get(b.name, 0)}" for b in bs)
    assert all(55 <= got.get(b.name, 0) <= 145 for b in bs), (
        f"--policy random: 300 requests to 3 backends were spread {shares}; a uniform choice "
        f"gives each between 55 and 145 (mean 100, 5.5 standard deviations either way)")


def hold(lb, bs, key):
    """Send GET /hold/<key> on its own connection; return (conn, backend that holds it)."""
    c = Conn(lb.addr)
    c.send(get(f"/hold/{key}"))
    found = wait_until(lambda: [b for b in bs if b.wait_arrived(key, timeout=0)], T(10))
    if not found:
        c.close()
        raise HttpError(f"GET /hold/{key} reached no backend within {T(10):.0f}s")
    return c, found[0]


def finish(c, b, key):
    b.release(key)
    try:
        r = c.read_response("GET")
    finally:
        c.close()
    if r.status != 200 or backend_of(r) != b.name:
        raise HttpError(f"the held request /hold/{key}, once released, should be answered by "
                        f"{b.name}\n" + describe(get(f"/hold/{key}"), "200", r))


@pytest.mark.req("LB-006")
def test_least_conn_avoids_busy_backends(launcher, backends, report):
    bs = backends(3)
    lb = launcher.start(args=["--policy", "least-conn"])
    held = []
    try:
        c1, x = hold(lb, bs, "lc1")
        held.append((c1, x, "lc1"))
        names = sequence(lb.addr, 6, tag="lcA")
        assert x.name not in names, (
            f"--policy least-conn: with a request held in flight on {x.name}, 6 requests "
            f"sent one after another (none in flight elsewhere) went to\n    {show_seq(names)}\n"
            f"expected: none to {x.name}, which has 1 request in flight and the others 0")
        c2, y = hold(lb, bs, "lc2")
        held.append((c2, y, "lc2"))
        assert y is not x, (f"--policy least-conn: a second held request went to {x.name}, "
                            f"which already has one in flight, while the others had none")
        z = [b for b in bs if b is not x and b is not y][0]
        names = sequence(lb.addr, 6, tag="lcB")
        assert set(names) == {z.name}, (
            f"--policy least-conn: with one request held on {x.name} and one on {y.name}, "
            f"6 requests sent one after another went to\n    {show_seq(names)}\n"
            f"expected: all to {z.name}, the only backend with nothing in flight")
    finally:
        for c, b, key in held:
            b.release(key)
    for c, b, key in held:
        finish(c, b, key)


@pytest.mark.req("LB-007")
def test_least_conn_ties_round_robin(launcher, backends, report):
    bs, lb, names = policy_sequence(launcher, backends, report, 3, "least-conn", 12, "lct")
    expect_rotation(names, bs, "--policy least-conn with no request in flight (ties)", lb)
