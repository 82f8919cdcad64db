"""LB-019: stopping with SIGTERM."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import wait_until  # noqa: E402
from osnet_harness.httpclient import Conn, exchange, get  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("LB-019")
def test_sigterm_stops_everything(launcher, backends):
    bs = backends(2)
    s = launcher.start()
    idle = Conn(s.addr)
    exchange(s.addr, get("/echo?idle=1"), conn=idle)          # keep-alive, now idle
    waiting = Conn(s.addr)
    waiting.send(get("/hold/stop"))                           # held by a backend
    try:
        held = wait_until(lambda: [b for b in bs if b.wait_arrived("stop", timeout=0)], T(10))
        assert held, f"GET /hold/stop reached no backend within {T(10):.0f}s"
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    finally:
        for b in bs:
            b.release("stop")
        for c in (idle, waiting):
            c.close()
    assert clean, (f"the load balancer did not exit within {T(10):.0f}s of SIGTERM (it was "
                   f"killed with SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the load balancer ended with {describe_status(rc)}; "
                         f"expected exit status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
