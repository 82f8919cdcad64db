"""Fixtures of the lsof fault scenarios: those of conformance/lsof, whose
folder (and conformance/ps's) go on sys.path for lsoftools and pstools."""
import os
import pathlib
import shutil
import sys

import pytest

CONF = pathlib.Path(__file__).resolve().parents[2] / "conformance"
sys.path.insert(0, str(CONF / "ps"))
sys.path.insert(0, str(CONF / "lsof"))
from pstools import Procs  # noqa: E402


@pytest.fixture
def procs():
    p = Procs()
    yield p
    p.close()


@pytest.fixture(autouse=True)
def root_and_strace():
    if os.geteuid() != 0:
        pytest.skip("the lsof tests read other processes' /proc/PID/fd: run them as root")
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (tools/install-deps installs it)")
