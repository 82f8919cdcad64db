"""UECHO-001: the server binds the port it is given."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from uecho_util import recv_dgram, repro, udp_socket  # noqa: E402

from osnet_harness.timeouts import T  # noqa: E402


@pytest.mark.req("UECHO-001")
def test_two_instances_on_two_ports(launcher, report):
    a = launcher.start()
    b = launcher.start()
    assert a.port != b.port
    for s in (a, b):
        msg = b"ping %d\n" % s.port
        report.repro(repro(s.addr, msg))
        with udp_socket() as c:
            c.sendto(msg, s.addr)
            got, who = recv_dgram(c, T(5))
        assert got == msg, (f"sent {msg!r} to the instance on port {s.port}; expected the same "
                            f"bytes back, got {got!r} ({who})\n{s.stderr_block()}")
