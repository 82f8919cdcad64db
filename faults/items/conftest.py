"""Fixtures of the items fault scenarios.

`launcher` is the harness's, with {datadir} filled with a fresh folder of
this test's own (each test starts from an empty database; a restart within
a test finds the same one), and an idle timeout far longer than any wait of
a test. `datadir` is that folder. This folder goes on sys.path for the
shared checks (itemsfaults.py).
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.timeouts import T  # noqa: E402


@pytest.fixture
def datadir(workdir):
    d = workdir / "data"
    d.mkdir()
    return d


@pytest.fixture
def launcher(launcher, datadir):
    launcher.values["datadir"] = str(datadir)
    launcher.default_args.update({"--idle-timeout": str(int(T(300)))})
    return launcher
