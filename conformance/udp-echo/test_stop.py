"""UECHO-008: stopping with SIGTERM."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from uecho_util import recv_dgram, udp_socket  # noqa: E402

from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("UECHO-008")
def test_sigterm_stops_everything(launcher):
    s = launcher.start()
    with udp_socket() as c:
        for i in range(5):
            c.sendto(b"before SIGTERM %d" % i, s.addr)
            got, who = recv_dgram(c, T(5))
            assert got == b"before SIGTERM %d" % i, f"no echo before SIGTERM: {who}"
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    assert clean, (f"the server did not exit within {T(10):.0f}s of SIGTERM (it was killed with "
                   f"SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the server ended with {describe_status(rc)}; expected exit "
                         f"status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
