"""Fixtures of the lsof fault scenarios: `procs` (ps/pstools.py); every
scenario needs root (it reads other processes' /proc/PID/fd) and strace."""
import os

import pytest

from ps.pstools import procs  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def root_and_strace(need_strace):
    if os.geteuid() != 0:
        pytest.skip("the lsof tests read other processes' /proc/PID/fd: run them as root")
