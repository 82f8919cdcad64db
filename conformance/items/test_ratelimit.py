"""ITEMS-070..075: token buckets per client address.

Each test is a client at its own loopback address (127.0.0.N, all local on
Linux), so the buckets it drains are its own.

A bucket refills with time, so what a test sees must not depend on how
fast the test (or a loaded machine) sends: requests go out pipelined, all
of them in one write, and the service works through them back to back,
its own time between them (milliseconds) being all the refill there is.
Sent one at a time, 300 requests can take seconds on a busy machine: long
enough for a bucket of 100 refilled at 100 per second to never run dry."""
import math
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import ABSENT_ID, conn_from, reopen  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, show_head  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

# Request lines are written at info (200) and warn (4xx, 429 included):
# with error only, 300 requests write nothing, so the service never waits
# for the harness to read its stderr pipe (ITEMS-094).
QUIET = ("--log-level", "error")


def item_requests(svc):
    """An endless cycle of item-route requests answered 200, 404 and 422."""
    while True:
        yield svc.raw("GET", "/items?limit=1")
        yield svc.raw("GET", f"/items/{ABSENT_ID}")
        yield svc.raw("POST", "/items", {"price": 1})


def pipelined(conn, reqs):
    """Writes every request of reqs at once, then reads all their responses,
    in order (conn is then ready for the next request). A response saying
    `Connection: close` (the service may close after an error) loses the
    requests after it: they are sent again, on a new connection from the
    same address."""
    out = []
    while len(out) < len(reqs):
        if getattr(conn, "server_closing", False):
            reopen(conn)
        rest = reqs[len(out):]
        conn.send(b"".join(rest))
        for rq in rest:
            method = rq.split(b" ", 1)[0].decode("latin-1")
            try:
                r = conn.read_response(method)
            except HttpError as e:
                raise type(e)(f"reading the response to request #{len(out) + 1} of "
                              f"{len(reqs)} sent back to back from {conn.src}: {e}\n"
                              f"that request:\n{show_head(rq, 300)}") from None
            r.request = rq
            out.append(r)
            if "close" in r.tokens("Connection"):
                conn.server_closing = True
                break
    return out


def until_429(svc, conn, first, most):
    """Sends item requests on conn until one is answered 429: `first` of them
    pipelined (a whole bucket and more: the service has them all before it
    answers one), then, should a slow service have refilled enough to
    answer them all, batches of 10 more, up to `most`. Returns (responses
    before the 429, the 429, seconds from the first write to it). Raises
    if none comes."""
    reqs = item_requests(svc)
    before, hit, took, sent = [], None, None, 0
    t0 = time.monotonic()
    while hit is None:
        n = min(first if sent == 0 else 10, most - sent)
        if n <= 0:
            raise HttpError(f"{most} item requests from {conn.src} in a row and none answered "
                            f"429; statuses: {sorted({r.status for r in before})}")
        for r in pipelined(conn, [next(reqs) for _ in range(n)]):
            if hit is None and r.status == 429:
                hit, took = r, time.monotonic() - t0
            elif hit is None:
                before.append(r)
        sent += n
    return before, hit, took


@pytest.mark.req("ITEMS-070")
def test_burst_then_429(start):
    rate, burst = 1, 8
    svc = start("--rate", str(rate), "--burst", str(burst), *QUIET)
    with conn_from(svc.addr, "127.0.0.2") as c:
        before, r, took = until_429(svc, c, burst + 10, burst + 60)
    statuses = sorted({x.status for x in before})
    assert set(statuses) <= {200, 404, 422}, f"item requests before the 429 got {statuses}"
    most = burst + rate * took + 1
    assert burst <= len(before) <= most, (
        f"--rate {rate} --burst {burst}: {len(before)} requests were answered before the first "
        f"429, in {took:.2f}s; expected at least {burst} (the full bucket) and at most "
        f"{math.floor(most)} (the bucket plus what refilled meanwhile)")


@pytest.mark.req("ITEMS-071")
def test_retry_after(start):
    svc = start("--rate", "1", "--burst", "2", *QUIET)
    with conn_from(svc.addr, "127.0.0.3") as c:
        _, r, _ = until_429(svc, c, 12, 60)
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
    # One bucket shared by every address would need `burst` seconds after
    # 127.0.0.4's 429 to serve 127.0.0.5's whole pipelined burst: the
    # connection is made beforehand, so only reading the rest of the
    # drain's responses comes in between.
    burst = 10
    svc = start("--rate", "1", "--burst", str(burst), *QUIET)
    with conn_from(svc.addr, "127.0.0.4") as a, conn_from(svc.addr, "127.0.0.5") as b:
        until_429(svc, a, burst + 10, burst + 60)
        rs = pipelined(b, [svc.raw("GET", "/items?limit=1")] * burst)
        for n, r in enumerate(rs):
            assert r.status == 200, (
                f"request {n + 1} of {burst} sent at once from 127.0.0.5 got {r.status} while "
                f"only 127.0.0.4's bucket is empty (--burst {burst})")


@pytest.mark.req("ITEMS-073")
def test_metrics_and_healthz_are_exempt(start):
    svc = start("--rate", "1", "--burst", "3", *QUIET)
    with conn_from(svc.addr, "127.0.0.6") as c:
        # 12 at once: were they taking tokens, the 4th would find the bucket empty.
        scrapes = [svc.raw("GET", path) for _ in range(6) for path in ("/metrics", "/healthz")]
        for r in pipelined(c, scrapes):
            path = r.request.split(b" ", 2)[1].decode()
            svc.expect(r, 200, f"GET {path} (never rate limited), 12 sent at once")
        before, r, _ = until_429(svc, c, 13, 60)
        assert len(before) >= 3, (f"after 12 scrapes and health checks, only {len(before)} item "
                                  f"requests were served before a 429: scrapes took tokens "
                                  f"(--burst 3)")
        for path in ("/metrics", "/healthz"):
            svc.expect(svc.call("GET", path, conn=c), 200,
                       f"GET {path} from an address whose bucket is empty")


@pytest.mark.req("ITEMS-074")
@pytest.mark.parametrize("args", [[], ["--rate", "0"]], ids=["default", "rate-0"])
def test_no_limit(start, args):
    # All 300 at once: a default limit of R per second with a bucket below
    # 300 is caught as long as the service itself answers them faster than
    # R per second, whatever the load on the machine the test runs on.
    svc = start(*args, *QUIET)
    with conn_from(svc.addr, "127.0.0.7") as c:
        for n, r in enumerate(pipelined(c, [svc.raw("GET", "/items?limit=1")] * 300)):
            if r.status == 429:
                raise HttpError(f"request {n + 1} of 300 sent at once answered 429 with "
                                f"{' '.join(args) or 'no --rate'}: there is no limit")


@pytest.mark.req("ITEMS-075")
def test_gauge_counts_buckets(start):
    svc = start("--rate", "1", "--burst", "200", *QUIET)
    srcs = ["127.0.0.8", "127.0.0.9", "127.0.0.10"]
    for src in srcs:
        with conn_from(svc.addr, src) as c:
            # 40 tokens short: full again only 40 s later.
            for r in pipelined(c, [svc.raw("GET", "/items?limit=1")] * 40):
                svc.expect(r, 200, "GET /items (40 sent at once, --burst 200)")
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
