"""LB-021 (SHOULD): memory runs out inside the load balancer (libfiu's
libc/mm points, switched on and off through its control FIFO)."""
import pytest

from proxyfaults import malloc_test


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
    malloc_test(launcher, workdir, "the load balancer")
