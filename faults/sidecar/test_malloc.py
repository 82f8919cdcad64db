"""SIDECAR-051 (SHOULD): memory runs out inside the sidecar (libfiu's
libc/mm points, switched on and off through its control FIFO)."""
import pytest

from osnet_harness.httpclient import request
from proxyfaults import fetch_new, malloc_test


def metrics_answered(s):
    """Memory is back: GET /metrics on the metrics port gets a 200."""
    port = int(s.values["metrics_port"])
    r = fetch_new(s, request("GET", "/metrics", [("Connection", "close")]),
                  f"memory is back: GET /metrics on the metrics port {port}",
                  addr=(s.host, port))
    if r.status != 200:
        raise AssertionError(f"memory is back: GET /metrics on the metrics port got "
                             f"{r.status}, expected 200\n" + r.summary())


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
    malloc_test(launcher, workdir, "the sidecar",
                args=["--access-log", str(workdir / "access.log")], then=metrics_answered)
