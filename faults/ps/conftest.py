"""Fixtures of the ps fault scenarios: those of conformance/ps (`procs`),
whose folder goes on sys.path for pstools."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "conformance" / "ps"))
from pstools import Procs  # noqa: E402


@pytest.fixture
def procs():
    p = Procs()
    yield p
    p.close()
