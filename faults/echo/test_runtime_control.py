"""ECHO-015: faults switched on and off while the server runs (libfiu's control FIFO)."""
import socket

import pytest

from inject import Fiu
from osnet_harness.net import connect, expect_bytes, payload, recv_exact, roundtrip
from osnet_harness.timeouts import T

POINTS = ["posix/io/net/accept", "osnet/net/accept4"]


@pytest.mark.req("ECHO-015")
def test_accept_fault_on_then_off(launcher, workdir):
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    old = connect(s.addr)
    try:
        got, why = roundtrip(old, b"before\n")
        expect_bytes(b"before\n", got, why, what="echo before the fault")
        for p in POINTS:
            ctl.command(f"enable name={p},failinfo=24")   # EMFILE
        waiting = connect(s.addr)   # the kernel completes the handshake; accept fails
        waiting.sendall(b"waiting\n")
        early, _ = recv_exact(waiting, 8, T(1))
        if early:
            for p in POINTS:
                ctl.command(f"disable name={p}")
            pytest.skip("accept did not go through libc (io_uring or raw system calls): "
                        "a client was served while libfiu failed every accept")
        # The established client is not disturbed.
        for i in range(3):
            data = payload(10000, seed=i)
            got, why = roundtrip(old, data)
            expect_bytes(data, got, why, what=f"echo to an established client while accept "
                                              f"fails with EMFILE (message {i + 1})")
        for p in POINTS:
            ctl.command(f"disable name={p}")
        got, why = recv_exact(waiting, 8, T(15))
        expect_bytes(b"waiting\n", got, why,
                     what="echo to the client that connected during the fault, after the fault "
                          "was removed")
        waiting.close()
        with connect(s.addr) as new:
            got, why = roundtrip(new, b"after\n")
            expect_bytes(b"after\n", got, why, what="echo to a new client after the fault")
    finally:
        old.close()
