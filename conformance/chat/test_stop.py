"""CHAT-018: stopping with SIGTERM."""
import signal

import pytest

from chat.chatclient import Client, close_all, joined
from osnet_harness.launch import describe_status
from osnet_harness.timeouts import T

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("CHAT-018")
def test_sigterm_stops_everything(launcher):
    s = launcher.start()
    a, b = joined(s.addr, "alice", "bob")
    stuck = Client(s.addr, name="stuck", rcvbuf=4096).join("stuck")
    unjoined = Client(s.addr, name="unjoined")
    try:
        a.send_raw(b"".join(b"line %d " % i + b"z" * 500 + b"\n" for i in range(200)))
        b.wait_for(b"MSG alice line 199 " + b"z" * 500)
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    finally:
        close_all([a, b, stuck, unjoined])
    assert clean, (f"the server did not exit within {T(10):.0f}s of SIGTERM (it was killed with "
                   f"SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the server ended with {describe_status(rc)}; expected exit "
                         f"status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
