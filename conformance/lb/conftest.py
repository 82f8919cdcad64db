"""Fixtures of the lb tests: fake backends, and a launcher that fills
{backends} with them.

    def test_x(launcher, backends):
        b1, b2, b3 = backends(3)             # started; {backends} now lists them
        lb = launcher.start(args=["--policy", "random"])

`launcher` is the harness's, with header and idle timeouts far longer than
any wait of a test, so a program's own defaults never decide one (as the
proxy tests do). The backends are stopped after the test.
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.backends import Backend  # noqa: E402
from osnet_harness.proxyfixtures import long_timeouts  # noqa: E402


@pytest.fixture
def launcher(launcher):
    return long_timeouts(launcher)


@pytest.fixture
def backends(launcher):
    """backends(n) -> n started Backends named b1..bn, in {backends} order."""
    started = []

    def make(n):
        bs = [Backend(f"b{i + 1}").start() for i in range(n)]
        started.extend(bs)
        launcher.values["backends"] = ",".join(b.hostport for b in bs)
        return bs

    yield make
    for b in started:
        b.stop()
