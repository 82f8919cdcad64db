"""ITEMS-070..075: token buckets per client address.

Each test is a client at its own loopback address (127.0.0.N, all local on
Linux), so the buckets it drains are its own."""
import math
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import ABSENT_ID, conn_from  # noqa: E402
from osnet_harness.httpclient import HttpError, describe  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


def item_requests(svc):
    """An endless cycle of item-route requests answered 200, 404 and 422."""
    while True:
        yield svc.raw("GET", "/items?limit=1")
        yield svc.raw("GET", f"/items/{ABSENT_ID}")
        yield svc.raw("POST", "/items", {"price": 1})


def until_429(svc, conn, most):
    """Sends item requests on conn until one is answered 429; returns
    (responses before it, the 429, seconds taken). Raises if none comes."""
    before = []
    t0 = time.monotonic()
    for n, data in enumerate(item_requests(svc)):
        if n >= most:
            raise HttpError(f"{most} item requests from {conn.src} in a row and none answered "
                            f"429; statuses: {sorted({r.status for r in before})}")
        r = svc.send(data, conn=conn)
        if r.status == 429:
            return before, r, time.monotonic() - t0
        before.append(r)


@pytest.mark.req("ITEMS-070")
def test_burst_then_429(start):
    rate, burst = 1, 8
    svc = start("--rate", str(rate), "--burst", str(burst))
    with conn_from(svc.addr, "127.0.0.2") as c:
        before, r, took = until_429(svc, c, burst + 60)
    statuses = sorted({x.status for x in before})
    assert set(statuses) <= {200, 404, 422}, f"item requests before the 429 got {statuses}"
    most = burst + rate * took + 1
    assert burst <= len(before) <= most, (
        f"--rate {rate} --burst {burst}: {len(before)} requests were answered before the first "
        f"429, in {took:.2f}s; expected at least {burst} (the full bucket) and at most "
        f"{math.floor(most)} (the bucket plus what refilled meanwhile)")


@pytest.mark.req("ITEMS-071")
def test_retry_after(start):
    svc = start("--rate", "1", "--burst", "2")
    with conn_from(svc.addr, "127.0.0.3") as c:
        _, r, _ = until_429(svc, c, 60)
        ra = r.get("Retry-After")
        if ra is None or not ra.strip().isdigit():
            raise HttpError(f"the 429 has Retry-After {ra!r}; expected a whole number of seconds "
                            f"(RFC 9110 §10.2.3)\n" + describe(r.request, "Retry-After: 1", r))
        assert int(ra) == 1, (f"--rate 1: a token is back within a second, so Retry-After must "
                              f"be 1 (rounded up, at least 1); got {ra}")
        time.sleep(int(ra) + 0.05)
        again = svc.call("GET", "/items?limit=1", conn=c)
        assert again.status == 200, (f"a request sent {ra}s after a 429 with Retry-After: {ra} "
                                     f"got {again.status}, expected 200")


@pytest.mark.req("ITEMS-072")
def test_addresses_have_their_own_buckets(start):
    svc = start("--rate", "1", "--burst", "3")
    with conn_from(svc.addr, "127.0.0.4") as a:
        until_429(svc, a, 60)
        with conn_from(svc.addr, "127.0.0.5") as b:
            for n in range(3):
                r = svc.call("GET", "/items?limit=1", conn=b)
                assert r.status == 200, (
                    f"request {n + 1} from 127.0.0.5 got {r.status} while only 127.0.0.4's bucket "
                    f"is empty (--burst 3)")


@pytest.mark.req("ITEMS-073")
def test_metrics_and_healthz_are_exempt(start):
    svc = start("--rate", "1", "--burst", "3")
    with conn_from(svc.addr, "127.0.0.6") as c:
        for _ in range(6):
            for path in ("/metrics", "/healthz"):
                svc.expect(svc.call("GET", path, conn=c), 200,
                           f"GET {path} (never rate limited)")
        before, r, _ = until_429(svc, c, 60)
        assert len(before) >= 3, (f"after 12 scrapes and health checks, only {len(before)} item "
                                  f"requests were served before a 429: scrapes took tokens "
                                  f"(--burst 3)")
        for path in ("/metrics", "/healthz"):
            svc.expect(svc.call("GET", path, conn=c), 200,
                       f"GET {path} from an address whose bucket is empty")


@pytest.mark.req("ITEMS-074")
@pytest.mark.parametrize("args", [[], ["--rate", "0"]], ids=["default", "rate-0"])
def test_no_limit(start, args):
    svc = start(*args)
    with conn_from(svc.addr, "127.0.0.7") as c:
        for n in range(300):
            r = svc.call("GET", "/items?limit=1", conn=c)
            if r.status == 429:
                raise HttpError(f"request {n + 1} of 300 answered 429 with "
                                f"{' '.join(args) or 'no --rate'}: there is no limit")


@pytest.mark.req("ITEMS-075")
def test_gauge_counts_buckets(start):
    svc = start("--rate", "1", "--burst", "200")
    srcs = ["127.0.0.8", "127.0.0.9", "127.0.0.10"]
    for src in srcs:
        with conn_from(svc.addr, src) as c:
            for _ in range(40):  # 40 tokens short: full again only 40 s later
                svc.expect(svc.call("GET", "/items?limit=1", conn=c), 200, "GET /items")
    v = svc.gauge("rate_limit_clients")
    assert v == len(srcs), (f"rate_limit_clients is {v:g} after {len(srcs)} addresses each took "
                            f"40 of their 200 tokens; expected {len(srcs)}")


@pytest.mark.req("ITEMS-075")
def test_full_buckets_are_dropped(start):
    svc = start("--rate", "50", "--burst", "2")
    for src in ("127.0.0.11", "127.0.0.12"):
        with conn_from(svc.addr, src) as c:
            svc.call("GET", "/items?limit=1", conn=c)
    # Full again 40 ms later; swept at least once a second.
    svc.wait_gauge("rate_limit_clients", 0, "two clients idle long enough for their buckets to "
                   "fill up", timeout=T(10))
