"""ECHO-005: short reads and writes, and EINTR, lose no byte."""
import pytest

from inject import Fiu, Strace
from osnet_harness.net import connect, expect_bytes, payload, roundtrip
from osnet_harness.timeouts import T

# Only calls a signal interrupts even under SA_RESTART: a program whose
# handlers use SA_RESTART never sees EINTR from read/write, so injecting it
# there would fail correct programs (socat + cat do fail).
WAIT_CALLS = "epoll_wait,epoll_pwait,epoll_pwait2,select,pselect6,poll,ppoll,io_uring_enter"


def exchange(server, label):
    for i, size in enumerate((1, 1000, 100000, 4 << 20)):
        data = payload(size, seed=size)
        with connect(server.addr, timeout=T(15)) as c:
            got, why = roundtrip(c, data, timeout=T(60))
        expect_bytes(data, got, why, what=f"echo of {size} bytes while {label}")


@pytest.mark.req("ECHO-005")
def test_short_reads_and_writes(launcher, workdir):
    """libfiu + shim: socket reads and writes move half of what was asked, at random."""
    points = ["send", "recv", "write", "read"]
    fiu = Fiu(workdir, enable=[f"enable_random name=osnet/net/{p}/short,probability=0.5"
                               for p in points])
    s = launcher.start(wrap=fiu.wrap())
    exchange(s, "half of the socket reads and writes were short")
    if not fiu.fired():
        pytest.skip("no socket read or write went through libc (io_uring?), so the shim "
                    "could not shorten any")


@pytest.mark.req("ECHO-005")
def test_eintr_from_wait_calls(launcher, workdir):
    """strace: every 5th epoll_wait/poll/select/io_uring_enter fails with EINTR."""
    st = Strace(workdir, [f"{WAIT_CALLS}:error=EINTR:when=3+5"])
    s = launcher.start(wrap=st.wrap())
    exchange(s, "every 5th wait call failed with EINTR")
    if st.injected() == 0:
        pytest.skip("strace injected nothing: the program made none of these calls "
                    f"({WAIT_CALLS}); a thread per connection blocks in recv instead")
