"""ECHO-016, ECHO-017: stopping with SIGTERM, restarting on the same port."""
import signal
import subprocess
import time

import pytest

from osnet_harness.launch import LaunchError, describe_status
from osnet_harness.net import (connect, expect_bytes, payload, recv_until_eof, roundtrip,
                               start_sender, wait_stalled)
from osnet_harness.timeouts import T

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("ECHO-016")
def test_sigterm_stops_everything(launcher):
    s = launcher.start()
    idle = connect(s.addr)
    busy = connect(s.addr, rcvbuf=8192)
    done = connect(s.addr)
    try:
        got, why = roundtrip(done, b"x" * 1000)
        expect_bytes(b"x" * 1000, got, why)
        sender = start_sender(busy, payload(8 << 20, seed=16))
        wait_stalled(sender, limit=T(30))
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    finally:
        for c in (idle, busy, done):
            c.close()
    assert clean, (f"the server did not exit within {T(10):.0f}s of SIGTERM (it was killed with SIGKILL)"
                   f"\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the server ended with {describe_status(rc)}; expected exit "
                         f"status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)


def time_wait_count(port):
    out = subprocess.run(["ss", "-Htan", "state", "time-wait", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return len([l for l in out.splitlines() if l.strip()])


@pytest.mark.req("ECHO-017")
def test_restart_on_same_port_with_time_wait(launcher):
    first = launcher.start()
    clients = [connect(first.addr) for _ in range(3)]
    for i, c in enumerate(clients):
        got, why = roundtrip(c, b"hello %d\n" % i)
        expect_bytes(b"hello %d\n" % i, got, why)
    first.stop(signal.SIGTERM)
    # The server closed first; each client reads EOF and closes, which leaves
    # TIME_WAIT on the server's side of each connection.
    for c in clients:
        recv_until_eof(c, T(10))
        c.close()
    # The clients' FINs are processed by the kernel a moment later: wait for it.
    deadline = time.monotonic() + T(3)
    while time_wait_count(first.port) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    if time_wait_count(first.port) == 0:
        pytest.skip("no TIME_WAIT socket on the server's port after it stopped (it did not "
                    "close its connections first with FIN: see ECHO-019), so port reuse "
                    "could not be put to the test")
    try:
        second = launcher.start(port=first.port)
    except LaunchError as e:
        raise AssertionError(f"restart on port {first.port} with {time_wait_count(first.port)} "
                             f"TIME_WAIT socket(s) on it failed (SO_REUSEADDR?):\n{e}") from None
    with connect(second.addr) as c:
        got, why = roundtrip(c, b"again\n")
        expect_bytes(b"again\n", got, why, what="echo from the restarted server")
