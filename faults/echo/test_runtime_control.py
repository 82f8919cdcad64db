"""ECHO-015: faults switched on and off while the server runs (libfiu's control FIFO)."""
import pytest

from inject import Fiu
from osnet_harness.net import connect, expect_bytes, payload, recv_exact, roundtrip
from osnet_harness.timeouts import T

POINTS = ["osnet/net/accept", "osnet/net/accept4"]  # the shim's: it records firing


@pytest.mark.req("ECHO-015")
def test_accept_fault_on_then_off(launcher, workdir):
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    old = connect(s.addr)
    try:
        got, why = roundtrip(old, b"before\n")
        expect_bytes(b"before\n", got, why, what="echo before the fault")
        if not ctl.present():
            pytest.skip("libfiu's control FIFO of the server process is gone: a forked child "
                        "removes its parent's FIFO when it exits (a libfiu limit with servers "
                        "that fork per connection); the fault cannot be switched at runtime")
        for p in POINTS:
            ctl.command(f"enable name={p},failinfo=103")   # ECONNABORTED
        # A server blocked in accept() since before the fault takes the next
        # connection with that call: the primer absorbs it. After it, the
        # kernel completes handshakes but every accept the program makes fails.
        primer = connect(s.addr)
        waiting = connect(s.addr)
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
                                              f"fails (message {i + 1})")
        if not s.alive():
            raise AssertionError("the server exited when accept failed\n" + s.stderr_block())
        for p in POINTS:
            ctl.command(f"disable name={p}")
        got, why = recv_exact(waiting, 8, T(15))
        expect_bytes(b"waiting\n", got, why,
                     what="echo to the client that connected during the fault, after the fault "
                          "was removed")
        waiting.close()
        primer.sendall(b"primer\n")
        got, why = recv_exact(primer, 7, T(15))
        expect_bytes(b"primer\n", got, why, what="echo to the first client that connected during the fault")
        primer.close()
        with connect(s.addr) as new:
            got, why = roundtrip(new, b"after\n")
            expect_bytes(b"after\n", got, why, what="echo to a new client after the fault")
    finally:
        old.close()
