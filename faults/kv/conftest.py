"""Fixtures of the kv fault scenarios.

`launcher` is the harness's, with {datadir} filled with a fresh folder of
this test's own (a restart within a test finds the same one). `datadir` is
that folder. This folder goes on sys.path for the shared checks
(kvfaults.py).
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))


@pytest.fixture
def datadir(workdir):
    d = workdir / "data"
    d.mkdir()
    return d


@pytest.fixture
def launcher(launcher, datadir):
    launcher.values["datadir"] = str(datadir)
    return launcher
