"""ECHO-018, ECHO-019: what the wire shows when a connection ends.

Each test captures the loopback with tcpdump around one connection, then reads
the capture back: handshake, bytes each way, who sent the first FIN, RSTs, and
(with ss) which side holds TIME_WAIT. The capture is kept as an artifact; open
it in Wireshark.
"""
import signal
import socket

import pytest

from osnet_harness.net import connect, expect_bytes, payload, recv_until_eof, roundtrip
from osnet_harness.timeouts import T
from wire import ended_flow, start_capture, time_wait_sockets


def capture(workdir, port, name, host="127.0.0.1"):
    return start_capture(workdir, host, port, name)

def check_common(flow, data):
    assert flow.handshake(), ("no three-way handshake (SYN, SYN-ACK, ACK) at the start of the "
                              "connection\n" + flow.describe())
    expect_bytes(data, flow.payload("client"), what="payload client -> server on the wire")
    expect_bytes(data, flow.payload("server"), what="payload server -> client on the wire")
    rsts = flow.rsts()
    assert not rsts, (f"RST on the wire (segment #{rsts[0].index}, from "
                      f"{'client' if rsts[0].src == flow.client else 'server'}): an orderly close "
                      f"uses FIN\n" + flow.describe())


@pytest.mark.req("ECHO-018")
def test_client_closes_first(server, workdir, report):
    data = payload(3000, seed=18)
    cap = capture(workdir, server.port, "client-closes-first", server.host)
    report.artifact(cap.path)
    try:
        with connect(server.addr) as c:
            client_port = c.getsockname()[1]
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            got, why = recv_until_eof(c, T(10))
            expect_bytes(data, got, why, what="echo before end-of-file")
        flow = ended_flow(cap, client_port)
    finally:
        cap.__exit__(None, None, None)
    check_common(flow, data)
    fins = flow.fins()
    first = fins[0]
    assert first.src == flow.client, ("the server sent the first FIN, but the client half-closed "
                                      "first\n" + flow.describe())
    server_fin = next(f for f in fins if f.src == flow.server)
    syn_ack = flow.handshake()[1]
    end = (server_fin.seq + len(server_fin.payload) - syn_ack.seq - 1) & 0xFFFFFFFF
    assert end == len(data), (f"the server's FIN (#{server_fin.index}) came after {end} payload "
                              f"bytes, not after all {len(data)}\n" + flow.describe())
    tw_client = time_wait_sockets(local_port=client_port, remote_port=server.port)
    tw_server = time_wait_sockets(local_port=server.port, remote_port=client_port)
    assert tw_client, (f"no TIME_WAIT on the client's side (port {client_port}) although the "
                       f"client sent the first FIN; ss shows server-side: {tw_server}")
    assert not tw_server, f"TIME_WAIT on the server's side too: {tw_server}"


@pytest.mark.req("ECHO-019")
def test_server_closes_first_on_sigterm(launcher, workdir, report):
    s = launcher.start()
    cap = capture(workdir, s.port, "server-closes-first")
    report.artifact(cap.path)
    try:
        with connect(s.addr) as c:
            client_port = c.getsockname()[1]
            got, why = roundtrip(c, b"hello\n")
            expect_bytes(b"hello\n", got, why)
            s.stop(signal.SIGTERM)
            rest, why = recv_until_eof(c, T(10))
            if why != "eof":
                raise AssertionError(f"after SIGTERM the client read {why!r} instead of "
                                     f"end-of-file\n{s.stderr_block()}")
        flow = ended_flow(cap, client_port)
    finally:
        cap.__exit__(None, None, None)
    check_common(flow, b"hello\n")
    first = flow.fins()[0]
    assert first.src == flow.server, ("the client sent the first FIN, but the server was stopped "
                                      "first\n" + flow.describe())
    tw_server = time_wait_sockets(local_port=s.port, remote_port=client_port)
    tw_client = time_wait_sockets(local_port=client_port, remote_port=s.port)
    assert tw_server, (f"no TIME_WAIT on the server's side (port {s.port}) although it sent the "
                       f"first FIN; client-side: {tw_client}")
    assert not tw_client, f"TIME_WAIT on the client's side too: {tw_client}"
