"""UECHO-009: what the wire shows for UDP echo: one datagram each way per
request, of the request's size, and nothing else between the two ports.

The capture (tcpdump on lo, every packet to or from the server's port, TCP
included) is kept as an artifact; open it in Wireshark.
"""
import select
import socket

import pytest

from osnet_harness.net import payload
from osnet_harness.timeouts import T
from wire import (describe_datagrams, non_udp, start_capture,
                  tcp_between_ports, udp_between)

SIZES = [1, 100, 1472, 1473, 9000, 65507]


def capture(workdir, port, name, host="127.0.0.1"):
    return start_capture(workdir, host, port, name, proto="any")

@pytest.mark.req("UECHO-009")
def test_one_datagram_each_way(server, workdir, report):
    cap = capture(workdir, server.port, "udp-echo", server.host)
    report.artifact(cap.path)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            c.bind(("127.0.0.1", 0))
            me = c.getsockname()
            for n in SIZES:
                c.sendto(payload(n, seed=n), server.addr)
                r, _, _ = select.select([c], [], [], T(5))
                assert r, f"no answer to a datagram of {n} bytes (see UECHO-002/003)"
                c.recv(1 << 17)
                # Anything more the server sends for this request arrives
                # now; a quiet window lets it reach the capture too.
                select.select([c], [], [], T(0.3))
            want = 2 * len(SIZES)
            packets = cap.wait_packets(lambda p: len(udp_between(p, me, server.addr)) >= want,
                                       what=f"{want} datagrams between port {me[1]} and the server")
            # Let anything late (a second answer) be written too.
            select.select([], [], [], T(0.3))
            packets = cap.packets()
    finally:
        cap.__exit__(None, None, None)
    dgrams = udp_between(packets, me, server.addr)
    seen = "\n" + describe_datagrams(dgrams, me)
    ups = [d for d in dgrams if d.src == me]
    downs = [d for d in dgrams if d.dst == me]
    assert [len(d.payload) for d in ups] == SIZES, (
        f"requests on the wire: expected one datagram per request of sizes {SIZES}, saw "
        f"{[len(d.payload) for d in ups]}" + seen)
    assert [len(d.payload) for d in downs] == SIZES, (
        f"answers on the wire: expected one datagram per request, of the request's size "
        f"{SIZES}, saw {[len(d.payload) for d in downs]}" + seen)
    for i, d in enumerate(dgrams):
        want_up = i % 2 == 0
        assert (d.src == me) == want_up, ("expected request, answer, request, answer, ...; "
                                          f"frame #{d.index} breaks the pattern" + seen)
        assert d.payload == payload(SIZES[i // 2], seed=SIZES[i // 2]), (
            f"frame #{d.index}: payload differs from the request's bytes" + seen)
    tcp = tcp_between_ports(packets, me[1], server.port)
    assert not tcp, (f"TCP between the client's port {me[1]} and the server's port: "
                     f"{tcp[:5]}")
    other = non_udp(packets, server.port)
    assert not other, ("packets other than UDP to or from the server's port (a handshake, a "
                       f"teardown?): {[d for _, d in other[:5]]}")
