"""SIDECAR-051 (SHOULD): memory runs out inside the sidecar (libfiu's
libc/mm points, switched on and off through its control FIFO)."""
import pytest

from inject import Fiu
from osnet_harness.httpclient import HttpError, fetch, request
from osnet_harness.timeouts import T
from proxyfaults import Probe, dead_note, malloc_scenario

UPSTREAM_TIMEOUT = 5


@pytest.mark.req("SIDECAR-051")
def test_malloc_failures_while_tracing(launcher, workdir):
    """Expectation: as PROXY-052's scenario (faults/proxy/test_malloc.py),
    with the sidecar logging to a file: while malloc, calloc and realloc
    fail (every call, then a quarter of them; each time 8 clients at once,
    then up to 6 and 36 requests one at a time) each request is answered
    with the origin's response exactly (the sidecar's own fields added), or
    a 5xx, or closed (at the latest once memory is back), the sidecar never
    dies; once memory is back 12 requests in a row get the origin's
    response, and GET /metrics on the metrics port is answered 200. Skipped
    when libfiu is not mapped into the program, or every request was
    answered correctly while allocations failed (the fault did not reach
    the program)."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap(), args=["--upstream-timeout", str(UPSTREAM_TIMEOUT),
                                              "--access-log", str(workdir / "access.log")])
    probe = Probe(s.addr, read_timeout=UPSTREAM_TIMEOUT + T(20))
    try:
        seen = malloc_scenario(s, fiu, probe, "the sidecar")
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    metrics = (s.host, int(s.values["metrics_port"]))
    rq = request("GET", "/metrics", [("Connection", "close")])
    try:
        r = fetch(metrics, rq, timeout=T(15))
    except (HttpError, OSError) as e:
        raise AssertionError(f"memory is back: GET /metrics on the metrics port "
                             f"{metrics[1]} got no complete response ({e}).{dead_note(s)}\n"
                             + s.stderr_block()) from None
    if r.status != 200:
        raise AssertionError(f"memory is back: GET /metrics on the metrics port got "
                             f"{r.status}, expected 200\n" + r.summary())
    if not seen:
        pytest.skip("every request was answered correctly while malloc, calloc and realloc "
                    "failed, 8 clients at once included: the program does not allocate "
                    "through the C library's malloc while it forwards (its own allocator, or "
                    "memory set aside in advance), so the fault did not reach it")
