"""ECHO-001: the server listens on the port it is given."""
import pytest

from osnet_harness.net import connect, expect_bytes, recv_exact, repro_nc


@pytest.mark.req("ECHO-001")
def test_two_instances_on_two_ports(launcher):
    a = launcher.start()
    b = launcher.start()
    assert a.port != b.port
    for s in (a, b):
        with connect(s.addr) as c:
            c.sendall(b"ping\n")
            got, why = recv_exact(c, 5)
            expect_bytes(b"ping\n", got, why, what=f"echo from the instance on port {s.port}",
                         repro=repro_nc(s.addr, b"ping\n"))
