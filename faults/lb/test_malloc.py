"""LB-021 (SHOULD): memory runs out inside the load balancer (libfiu's
libc/mm points, switched on and off through its control FIFO)."""
import pytest

from inject import Fiu
from osnet_harness.timeouts import T
from proxyfaults import Probe, malloc_scenario

UPSTREAM_TIMEOUT = 5


@pytest.mark.req("LB-021")
def test_malloc_failures_while_balancing(launcher, backends, workdir):
    """Expectation: as PROXY-052's scenario (faults/proxy/test_malloc.py),
    with two backends behind the load balancer (round-robin, no active
    checks): while malloc, calloc and realloc fail (every call, then a
    quarter of them; each time 8 clients at once, then up to 6 and 36
    requests one at a time) each request is answered with a backend's
    response exactly, or a 5xx, or closed (at the latest once memory is
    back), the load balancer never dies, and once memory is back 12
    requests in a row get a backend's response. Skipped when libfiu is not
    mapped into the program, or every request was answered correctly while
    allocations failed (the fault did not reach the program)."""
    backends(2)
    fiu = Fiu(workdir, control=True)
    lb = launcher.start(wrap=fiu.wrap(), args=["--upstream-timeout", str(UPSTREAM_TIMEOUT)])
    probe = Probe(lb.addr, read_timeout=UPSTREAM_TIMEOUT + T(20))
    try:
        seen = malloc_scenario(lb, fiu, probe, "the load balancer")
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    if not seen:
        pytest.skip("every request was answered correctly while malloc, calloc and realloc "
                    "failed, 8 clients at once included: the program does not allocate "
                    "through the C library's malloc while it forwards (its own allocator, or "
                    "memory set aside in advance), so the fault did not reach it")
