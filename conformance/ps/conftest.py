"""Fixtures of the ps tests: `procs` starts processes (sleepers with chosen
command lines, holder.py processes steered by the test) and kills and reaps
them all after the test. This folder goes on sys.path for pstools."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from pstools import Procs  # noqa: E402


@pytest.fixture
def procs():
    p = Procs()
    yield p
    p.close()

