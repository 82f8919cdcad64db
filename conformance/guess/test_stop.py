"""GUESS-010: stopping with SIGTERM."""
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Player  # noqa: E402

from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

CLEAN = (0, 128 + signal.SIGTERM, -signal.SIGTERM)


@pytest.mark.req("GUESS-010")
def test_sigterm_stops_everything(launcher):
    s = launcher.start()
    with Player(s) as p:
        p.guess(50)
        rc, clean, left = s.stop(signal.SIGTERM, timeout=T(10))
    assert clean, (f"the server did not exit within {T(10):.0f}s of SIGTERM (it was killed with "
                   f"SIGKILL)\n{s.stderr_block()}")
    assert rc in CLEAN, (f"after SIGTERM the server ended with {describe_status(rc)}; expected exit "
                         f"status 0, 143, or death by SIGTERM\n{s.stderr_block()}")
    assert not left, "processes left behind after SIGTERM: " + "; ".join(left)
