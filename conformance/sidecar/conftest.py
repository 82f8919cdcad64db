"""Fixtures of the sidecar tests.

`origin` is a fake origin server (osnet_harness.backends.Backend) started
for each test; `launcher` is the harness's, with {upstream} filled with the
origin's address ({metrics_port} is filled by the harness) and client
header and idle timeouts far longer than any wait of a test. `sidecar` is
one started sidecar logging to a file in the test's directory, wrapped in
sidecarkit.Sidecar. Every test needs an origin of its own, so with --addr
(a sidecar someone else started) they are all skipped.
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.proxyfixtures import origin_fixtures  # noqa: E402
from sidecarkit import Sidecar  # noqa: E402

origin, launcher = origin_fixtures("sidecar")


@pytest.fixture
def start_sidecar(launcher, origin, workdir):
    """start_sidecar(*args) -> Sidecar logging to a fresh file (unless args
    name --access-log themselves, or file_log is False)."""
    n = [0]

    def start(*args, file_log=True):
        args = list(args)
        log = None
        if file_log and "--access-log" not in args:
            n[0] += 1
            log = pathlib.Path(workdir) / f"access-{n[0]}.log"
            args += ["--access-log", str(log)]
        return Sidecar(launcher.start(args=args), origin, log)

    return start


@pytest.fixture
def sidecar(start_sidecar):
    return start_sidecar()
