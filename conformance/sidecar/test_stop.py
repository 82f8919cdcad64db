"""SIDECAR-050: stopping with SIGTERM."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, get, request  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


@pytest.mark.req("SIDECAR-050")
def test_sigterm_exits_zero(sidecar, origin):
    idle = Conn(sidecar.addr)
    sidecar.send(get("/echo"), conn=idle)               # keep-alive client, now idle
    held = Conn(sidecar.addr)
    held.send(get("/hold/stop"))                        # an exchange waiting on the origin
    scrape = Conn(sidecar.metrics_addr)
    sidecar.scrape(conn=scrape)                         # a scrape connection, kept open
    partial = Conn(sidecar.addr)
    partial.send(request("GET", "/echo")[:20])          # half a head
    try:
        assert origin.wait_arrived("stop"), "GET /hold/stop never reached the origin"
        rc, clean, left = sidecar.server.stop(signal.SIGTERM, timeout=T(10))
    finally:
        origin.release("stop")
        for c in (idle, held, scrape, partial):
            c.close()
    assert clean, (f"the sidecar did not exit within {T(10):.0f}s of SIGTERM (it was killed "
                   f"with SIGKILL)\n{sidecar.server.stderr_block()}")
    assert rc == 0, (f"after SIGTERM the sidecar ended with {describe_status(rc)}; expected exit "
                     f"status 0\n{sidecar.server.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
