"""HTTP-037: stopping with SIGTERM."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, exchange, get  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("HTTP-037")
def test_sigterm_stops_everything(launcher, site):
    s = launcher.start()
    idle = Conn(s.addr)
    exchange(s.addr, get("/hello.txt"), conn=idle)            # keep-alive, now idle
    partial = Conn(s.addr)
    partial.send(b"GET /hello.txt HTTP/1.1\r\nHost: osn")      # half a head
    stuck = Conn(s.addr, rcvbuf=4096)
    stuck.send(get("/big.bin"))                                # a download nobody reads
    try:
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    finally:
        for c in (idle, partial, stuck):
            c.close()
    assert clean, (f"the server did not exit within {T(10):.0f}s of SIGTERM (it was killed "
                   f"with SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the server ended with {describe_status(rc)}; expected "
                         f"exit status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
