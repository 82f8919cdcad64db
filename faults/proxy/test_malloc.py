"""PROXY-052 (SHOULD): memory runs out inside the proxy (libfiu's libc/mm
points, switched on and off through its control FIFO)."""
import pytest

from proxyfaults import malloc_test


@pytest.mark.req("PROXY-052")
def test_malloc_failures_while_forwarding(launcher, workdir):
    """Expectation: the proxy runs under fiu-run (libfiu's preload in every
    process of it: nginx's master and worker each get the commands). After
    three good requests, malloc, calloc and realloc fail, first every call,
    then a quarter of them. In each of the two windows, 8 clients connect
    at once (GET /echo and POST /echo with a 100 KB body: a program that
    keeps pools must allocate for that many), then requests go through one
    at a time (6, then 36): GET and POST /echo on new connections, and
    every other one a GET of 300000 bytes on a kept-alive connection. While
    every call fails, requests not answered within 3 s end that window
    (with nothing at all to allocate, a program may not even accept: it
    must answer or close once memory is back). Each request is answered
    with the origin's response exactly, or a 5xx, or its connection closes;
    none hangs (--upstream-timeout 5, so a proxy that lost a request on the
    way up still answers with a 504 in time), the proxy never dies. Once
    memory is back, 12 requests in a row get the origin's responses.
    Skipped when libfiu is not mapped into the program, or when every
    request was answered correctly while allocations failed (the program
    does not allocate through the C library's malloc, so the fault did not
    reach it)."""
    malloc_test(launcher, workdir, "the proxy")
