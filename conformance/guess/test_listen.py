"""GUESS-001: the server binds the port it is given."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Player  # noqa: E402


@pytest.mark.req("GUESS-001")
def test_two_instances_on_two_ports(launcher):
    a = launcher.start()
    b = launcher.start()
    assert a.port != b.port
    for s in (a, b):
        with Player(s, f"a client of the instance on port {s.port}") as p:
            p.guess(50)
