"""ECHO-006..009: many clients, idle clients, clients that stop reading."""
import resource
import select
import time

import pytest

from osnet_harness.net import (connect, expect_bytes, payload, recv_exact, repro_nc,
                               roundtrip, start_sender, wait_stalled)
from osnet_harness.timeouts import T


@pytest.mark.req("ECHO-006")
def test_second_client_while_first_idle(server):
    with connect(server.addr) as first:
        first.sendall(b"first\n")
        got, why = recv_exact(first, 6)
        expect_bytes(b"first\n", got, why, what="echo to the first client")
        # The first client stays connected and silent.
        with connect(server.addr) as second:
            second.sendall(b"second\n")
            got, why = recv_exact(second, 7, T(5))
            expect_bytes(b"second\n", got, why,
                         what="echo to a second client while the first is connected and idle "
                              f"(no answer within {T(5):.0f}s: is the server serving one client at a time?)",
                         repro=f"nc {server.host} {server.port}   # keep it open, then in another shell: "
                               + repro_nc(server.addr, b"second\n"))


@pytest.mark.req("ECHO-007")
def test_thousand_clients_each_gets_its_own_bytes(server):
    n = 1000
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < n + 64:
        pytest.skip(f"this test process may open only {limit} descriptors (ulimit -Hn); "
                    f"{n} clients need {n + 64}: raise the hard limit to check this requirement")
    # Clients join one at a time, each served once before the next connects:
    # a correct server with a small listen backlog (socat's is 5, Python's
    # socketserver's too) must not fail on how fast the kernel's accept queue
    # fills. What is checked is that all of them stay connected and served.
    socks = []
    try:
        for i in range(n):
            try:
                c = connect(server.addr, timeout=T(15))
            except OSError as e:
                raise AssertionError(f"client {i + 1} of {n} could not connect ({e}) while "
                                     f"{i} others stayed connected\n" + server.stderr_block())
            socks.append(c)
            hello = b"%d\n" % i
            c.sendall(hello)
            got, why = recv_exact(c, len(hello), T(15))
            expect_bytes(hello, got, why, what=f"first echo to client {i + 1} while {i} others "
                                               f"stay connected")
        for rnd in range(2):
            msgs = [f"client {i:04d} round {rnd} ".encode() + payload(40, seed=i * 10 + rnd)
                    for i in range(n)]
            for s, m in zip(socks, msgs):
                s.sendall(m)
            # Read them all with one poller, so one slow client does not
            # serialize the wait.
            pending = {s.fileno(): (s, m, bytearray()) for s, m in zip(socks, msgs)}
            deadline = time.monotonic() + T(60)
            poller = select.poll()
            for fd in pending:
                poller.register(fd, select.POLLIN)
            while pending and time.monotonic() < deadline:
                for fd, _ in poller.poll(200):
                    s, m, buf = pending[fd]
                    try:
                        chunk = s.recv(4096)
                    except OSError as e:
                        chunk, why = b"", f"error {e}"
                    else:
                        why = "eof"
                    if chunk:
                        buf += chunk
                    if not chunk or len(buf) >= len(m):
                        poller.unregister(fd)
                        del pending[fd]
                        idx = socks.index(s)
                        expect_bytes(m, bytes(buf), None if chunk else why,
                                     what=f"echo to client {idx} of {n} (round {rnd})")
            if pending:
                idx = sorted(socks.index(s) for s, _, _ in pending.values())
                raise AssertionError(f"round {rnd}: {len(idx)} of {n} connected clients got no "
                                     f"complete echo within {T(60):.0f}s (first: client {idx[0]})\n"
                                     + server.stderr_block())
    finally:
        for s in socks:
            s.close()


@pytest.mark.req("ECHO-008")
def test_non_reading_client_does_not_stall_others(server):
    stuck = connect(server.addr, rcvbuf=16384, sndbuf=16384)
    try:
        sender = start_sender(stuck, payload(128 << 20, seed=8))
        # Wait until the stuck client can no longer send: the server is then
        # blocked writing to it, or has stopped reading it.
        wait_stalled(sender, limit=T(60))
        with connect(server.addr) as other:
            for i in range(5):
                data = payload(65536, seed=100 + i)
                got, why = roundtrip(other, data, timeout=T(10))
                expect_bytes(data, got, why,
                             what=f"echo to another client (message {i + 1} of 5) while one client "
                                  f"sends without reading")
    finally:
        stuck.close()


@pytest.mark.req("ECHO-009")
def test_non_reading_client_is_throttled(server):
    """A client that never reads must not be able to push 64 MiB into the server."""
    limit = 64 << 20
    c = connect(server.addr, rcvbuf=65536, sndbuf=65536)
    c.setblocking(False)
    chunk = payload(1 << 16, seed=9)
    pushed = 0
    try:
        while pushed < limit:
            try:
                pushed += c.send(chunk)
                continue
            except BlockingIOError:
                pass
            # Blocked: the server applies backpressure, unless it is only slow.
            _, w, _ = select.select([], [c], [], T(2))
            if not w:
                return  # no progress for a while with 64 KiB of room asked: throttled
    finally:
        c.close()
    raise AssertionError(f"a client that never reads pushed {pushed >> 20} MiB into the server "
                         "without being slowed down: the server buffers its echo without limit "
                         "instead of stopping reading from it (high-water mark)")
