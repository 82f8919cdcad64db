"""PROXY-041: stopping with SIGTERM, connections open."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, exchange, get  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("PROXY-041")
def test_sigterm_stops_everything(launcher, origin):
    s = launcher.start()
    idle = Conn(s.addr)
    exchange(s.addr, get("/echo"), conn=idle)             # keep-alive, now idle
    partial = Conn(s.addr)
    partial.send(b"GET /echo HTTP/1.1\r\nHost: osn")      # half a head
    waiting = Conn(s.addr)
    waiting.send(get("/hold/stop"))                       # waits for the origin
    arrived = origin.wait_arrived("stop", T(10))
    try:
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    finally:
        for c in (idle, partial, waiting):
            c.close()
    assert arrived is not None, "GET /hold/stop never reached the origin"
    assert clean, (f"the proxy did not exit within {T(10):.0f}s of SIGTERM (it was killed "
                   f"with SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the proxy ended with {describe_status(rc)}; expected "
                         f"exit status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
