"""Fixtures of the ps fault scenarios: `procs`, that of conformance/ps
(ps/pstools.py)."""
from ps.pstools import procs  # noqa: F401  (a fixture)
