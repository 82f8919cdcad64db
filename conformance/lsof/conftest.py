"""Fixtures of the lsof tests: `procs` (ps/pstools.py: holder processes
whose descriptors the test opens and closes). The tests read other
processes' /proc/PID/fd: they need root."""
import os

import pytest

from ps.pstools import procs  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def root_only():
    if os.geteuid() != 0:
        pytest.skip("the lsof tests read other processes' /proc/PID/fd: run them as root")
