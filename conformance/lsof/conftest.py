"""Fixtures of the lsof tests: `procs` (conformance/ps/pstools.py: holder
processes whose descriptors the test opens and closes) and `expect`. The
tests read other processes' /proc/PID/fd: they need root."""
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "ps"))
sys.path.insert(0, str(HERE))
from pstools import Procs  # noqa: E402


@pytest.fixture
def procs():
    p = Procs()
    yield p
    p.close()


@pytest.fixture(autouse=True)
def root_only():
    if os.geteuid() != 0:
        pytest.skip("the lsof tests read other processes' /proc/PID/fd: run them as root")
