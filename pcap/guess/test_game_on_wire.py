"""GUESS-012: a game on the wire is UDP only: each request one datagram to
the server's port, each reply one datagram back, no handshake, no teardown.

The capture (tcpdump on lo, every packet to or from the server's port) is
kept as an artifact; open it in Wireshark.
"""
import math
import select
import socket

import pytest

from osnet_harness.timeouts import T
from wire import (describe_datagrams, non_udp, start_capture,
                  tcp_between_ports, udp_between)


def capture(workdir, port, name, host="127.0.0.1"):
    return start_capture(workdir, host, port, name, proto="any")

def play(sock, addr, maximum=100):
    """A binary-search game; returns the (request, reply) pairs."""
    lo, hi, pairs = 1, maximum, []
    for seq in range(1, math.ceil(math.log2(maximum)) + 2):
        n = (lo + hi) // 2
        req = b"GUESS %d %d\n" % (seq, n)
        sock.sendto(req, addr)
        rep = None
        while rep is None:
            r, _, _ = select.select([sock], [], [], T(5))
            assert r, f"no reply to {req!r} (see GUESS-002)"
            data = sock.recv(1 << 16)
            # Extra replies (to earlier requests) are left to the capture check.
            if data.split(b" ")[1:2] == [b"%d" % seq]:
                rep = data
        pairs.append((req, rep))
        # A second reply to this request would arrive now: let it reach the
        # capture before the next request (it then shows between the two).
        select.select([], [], [], T(0.1))
        word = rep.split(b" ", 1)[0]
        if word == b"CORRECT":
            return pairs
        if word == b"HIGHER":
            lo = n + 1
        elif word == b"LOWER":
            hi = n - 1
        else:
            raise AssertionError(f"sent {req!r}; got {rep!r} (see GUESS-002)")
    raise AssertionError("no CORRECT within a binary search (see GUESS-002)")


@pytest.mark.req("GUESS-012")
def test_game_is_udp_only(server, workdir, report):
    cap = capture(workdir, server.port, "guess-game", server.host)
    report.artifact(cap.path)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.bind(("127.0.0.1", 0))
            me = c.getsockname()
            pairs = play(c, server.addr)
            want = 2 * len(pairs)
            cap.wait_packets(lambda p: len(udp_between(p, me, server.addr)) >= want,
                             what=f"the {want} datagrams of the game")
            select.select([], [], [], T(0.3))
            packets = cap.packets()
    finally:
        cap.__exit__(None, None, None)
    dgrams = udp_between(packets, me, server.addr)
    seen = "\n" + describe_datagrams(dgrams, me)
    expected = [d for pair in pairs for d in pair]
    assert len(dgrams) == len(expected), (
        f"a game of {len(pairs)} guesses: expected {len(pairs)} requests and {len(pairs)} "
        f"replies on the wire, one datagram each, alternating; saw {len(dgrams)} datagrams"
        + seen)
    for i, (d, data) in enumerate(zip(dgrams, expected)):
        up = i % 2 == 0
        assert (d.src == me) == up and d.payload == data, (
            f"frame #{d.index}: expected the {'request' if up else 'reply'} {data!r} "
            f"({'client -> server' if up else 'server -> client'}), saw {d.payload!r} "
            f"({'client -> server' if d.src == me else 'server -> client'})" + seen)
    tcp = tcp_between_ports(packets, me[1], server.port)
    assert not tcp, f"TCP between the client's port and the server's: {tcp[:5]}"
    other = non_udp(packets, server.port)
    assert not other, f"packets other than UDP to or from the server's port: {[d for _, d in other[:5]]}"
