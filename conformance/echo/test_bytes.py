"""ECHO-002..004: exact bytes, byte stream, payloads larger than socket buffers."""
import random
import socket

import pytest

from osnet_harness.net import (Sender, connect, expect_bytes, fill_pipeline, payload,
                               recv_exact, repro_nc, roundtrip, start_sender)
from osnet_harness.timeouts import T


@pytest.mark.req("ECHO-002")
def test_all_byte_values(server, report):
    data = bytes(range(256)) * 4 + b"\x00\x00\xff\xff\x00"
    report.repro(repro_nc(server.addr, bytes(range(40))))
    with connect(server.addr) as c:
        got, why = roundtrip(c, data)
    expect_bytes(data, got, why, what="echo of all 256 byte values")


@pytest.mark.req("ECHO-002")
def test_nul_first(server):
    data = b"\x00abc\x00\xff\r\n\x00"
    with connect(server.addr) as c:
        got, why = roundtrip(c, data)
    expect_bytes(data, got, why, what="echo of bytes around NUL",
                 repro=repro_nc(server.addr, data))


@pytest.mark.req("ECHO-003")
def test_no_newline_needed(server):
    data = b"no newline at the end"
    with connect(server.addr) as c:
        c.sendall(data)
        got, why = recv_exact(c, len(data), T(5))
    expect_bytes(data, got, why, what="echo of bytes without a trailing newline",
                 repro=repro_nc(server.addr, data))


@pytest.mark.req("ECHO-003")
def test_one_byte_per_write(server):
    data = payload(2000, seed=3)
    with connect(server.addr) as c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sender = Sender(c, data, chunk=1)
        sender.start()
        got, why = recv_exact(c, len(data), T(30))
        sender.finish()
    expect_bytes(data, got, why, what="echo of 2000 one-byte writes")


@pytest.mark.req("ECHO-003")
def test_many_small_writes(server):
    rng = random.Random(7)
    pieces = [payload(rng.randint(1, 700), seed=i) for i in range(3000)]
    data = b"".join(pieces)
    with connect(server.addr) as c:
        sender = Sender(c, pieces)
        sender.start()
        got, why = recv_exact(c, len(data), T(30))
        sender.finish()
    expect_bytes(data, got, why, what="echo of 3000 writes of 1..700 bytes")


@pytest.mark.req("ECHO-004")
@pytest.mark.parametrize("mode", ["read-at-once", "fill-first"])
def test_64_mib(server, mode):
    """64 MiB through the server. read-at-once: the client reads while it
    sends. fill-first: the client first sends without reading until nothing
    more fits anywhere on the path, so the server's socket is full and its
    writes are partial (a server that ignores the count send() returns loses
    bytes right there), then reads while sending the rest."""
    size = 64 << 20
    data = payload(size, seed=64)
    with connect(server.addr) as c:
        if mode == "fill-first":
            n = fill_pipeline(c, data)
            sender = start_sender(c, data[n:])
            got, why = recv_exact(c, size, T(120), idle=T(10))
            sender.finish()
        else:
            got, why = roundtrip(c, data, timeout=T(120))
    expect_bytes(data, got, why, what=f"echo of a 64 MiB payload ({mode})",
                 repro=repro_nc(server.addr, size=size))
