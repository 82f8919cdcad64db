"""Fixtures of the ps tests: `procs` (ps/pstools.py) starts processes
(sleepers with chosen command lines, holder.py processes steered by the
test) and kills and reaps them all after the test."""
from ps.pstools import procs  # noqa: F401  (a fixture)
