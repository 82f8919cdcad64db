"""Fixtures of the proxy tests.

`origin` is a fake origin server (osnet_harness.backends.Backend) started
for each test; `launcher` and `server` are the harness's, with {upstream}
filled with the origin's address, and client header and idle timeouts far
longer than any wait of a test (unless the test sets them), so a program's
own defaults never decide a test. Every test needs an origin of its own, so
with --addr (a proxy someone else started, pointed at some other origin)
they are all skipped.
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.proxyfixtures import origin_fixtures  # noqa: E402

origin, launcher = origin_fixtures("proxy")


@pytest.fixture
def server(launcher):
    return launcher.start()
