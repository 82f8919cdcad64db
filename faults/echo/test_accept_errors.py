"""ECHO-014: transient accept errors, injected with strace (works for any
language) and with libfiu (fiu-run -x plus our shim for accept4)."""
import pytest

from inject import Fiu, Strace
from osnet_harness.net import assert_serves


def serve_clients(server, n, label):
    for i in range(n):
        assert_serves(server, f"client {i + 1} of {n}, while {label}", size=1000, seed=i)


def strace_accept_errors(launcher, workdir, err):
    # One rule per syscall set: strace keeps only the last of several.
    # Calls 1, 3, 5, ... fail: the first while the harness waits for readiness.
    st = Strace(workdir, [f"accept,accept4:error={err}:when=1+2"])
    s = launcher.start(wrap=st.wrap())
    serve_clients(s, 8, f"accept failed with {err} now and then")
    if st.injected() == 0:
        pytest.skip("the program never called accept or accept4 (io_uring or another "
                    "route), so strace had nothing to inject into")
    assert s.alive(), f"the server exited after accept failed with {err}\n" + s.stderr_block()


@pytest.mark.req("ECHO-014")
@pytest.mark.parametrize("err", ["ECONNABORTED", "EINTR"])
def test_strace_injected_accept_error(launcher, workdir, err):
    strace_accept_errors(launcher, workdir, err)


@pytest.mark.req("ECHO-020")
@pytest.mark.parametrize("err", ["EPROTO", "ENETUNREACH"])
def test_strace_injected_network_error(launcher, workdir, err):
    strace_accept_errors(launcher, workdir, err)


@pytest.mark.req("ECHO-014")
def test_libfiu_random_accept_failures(launcher, workdir):
    """fiu-run -x: half of the accept/accept4 calls fail with ECONNABORTED (103)."""
    fiu = Fiu(workdir, enable=[
        "enable_random name=osnet/net/accept,probability=0.5,failinfo=103",
        "enable_random name=osnet/net/accept4,probability=0.5,failinfo=103"])
    s = launcher.start(wrap=fiu.wrap())
    serve_clients(s, 12, "half of the accept calls failed with ECONNABORTED")
    if not fiu.fired():
        pytest.skip("no accept or accept4 call went through libc (io_uring or raw system "
                    "calls), so libfiu had nothing to fail")
    assert s.alive(), "the server exited after accept failed\n" + s.stderr_block()
