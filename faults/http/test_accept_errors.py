"""HTTP-041: transient accept errors (ECONNABORTED, EINTR) injected with strace."""
import pytest

from osnet_harness.httpclient import Conn
from httpfaults import get_file
from inject import Strace
from osnet_harness.timeouts import T

CLIENTS = 8


@pytest.mark.req("HTTP-041")
@pytest.mark.parametrize("err", ["ECONNABORTED", "EINTR"])
def test_strace_injected_accept_error(launcher, workdir, site, err):
    """Expectation: accept/accept4 calls 1, 3, 5, ... fail with `err` (the
    first while the harness waits for readiness); the server keeps running,
    serves each of 8 new clients in turn, and a keep-alive client that
    connected first is answered between them. strace -f follows nginx's
    workers (they make the accept calls); the log must show at least one
    injected failure, else the test is skipped (the program never called
    accept or accept4)."""
    st = Strace(workdir, [f"accept,accept4:error={err}:when=1+2"])
    s = launcher.start(wrap=st.wrap())
    with Conn(s.addr, timeout=T(15)) as kept:
        for i in range(CLIENTS):
            label = f"while accept failed with {err} now and then"
            get_file(s, site, "/small.bin", f"new client {i + 1} of {CLIENTS}, {label}")
            get_file(s, site, "/hello.txt", f"the keep-alive client, request {i + 1}, {label}",
                     conn=kept)
    if st.injected() == 0:
        pytest.skip("the program never called accept or accept4 (io_uring or another "
                    "route), so strace had nothing to inject into")
    assert s.alive(), f"the server exited after accept failed with {err}\n" + s.stderr_block()
