"""PROXY-001, PROXY-002: the launch contract: port, upstream, options."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.backends import Backend  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, exchange, get, repro  # noqa: E402
from proxykit import only_request  # noqa: E402


@pytest.mark.req("PROXY-001")
def test_each_instance_forwards_to_its_own_upstream(launcher, origin, report):
    other = Backend("other").start()
    try:
        p1 = launcher.start()                              # {upstream} = origin
        p2 = launcher.start(upstream=other.hostport)
        for proxy, mine, theirs in ((p1, origin, other), (p2, other, origin)):
            rq = get(f"/echo?via={proxy.port}")
            report.repro(repro(proxy.addr, rq))
            c, r = exchange(proxy.addr, rq)
            c.close()
            backend = r.get("X-Backend")
            if r.status != 200 or backend != mine.name:
                raise HttpError(
                    f"a proxy on port {proxy.port} started with --upstream {mine.hostport} "
                    f"(the origin named {mine.name!r}) answered from {backend!r}\n"
                    + describe(rq, f"200 with X-Backend: {mine.name}", r))
            only_request(mine, f"the proxy on port {proxy.port}", rq)
        for b in (origin, other):
            if len(b.requests) != 1:
                raise HttpError(f"each origin must get exactly the one request of the proxy "
                                f"that names it; {b.name} got {len(b.requests)}: {b.requests}")
    finally:
        other.stop()


@pytest.mark.req("PROXY-002")
def test_every_option_is_accepted(launcher, origin, report):
    args = ["--connect-timeout", "0.5", "--upstream-timeout", "30.5", "--header-timeout", "100",
            "--idle-timeout", "100.25", "--max-idle", "30", "--log-level", "warn"]
    s = launcher.start(args=args)
    rq = get("/echo?options=all")
    report.repro(repro(s.addr, rq))
    c, r = exchange(s.addr, rq)
    c.close()
    if r.status != 200:
        raise HttpError(f"started with {' '.join(args)}, the proxy did not forward a GET\n"
                        + describe(rq, "200 from the origin", r))
    seen = json.loads(r.body)
    if seen.get("target") != "/echo?options=all":
        raise HttpError("the origin's echo does not show the request that was sent:\n"
                        + r.summary())
