"""The sumsq fault tests use the conformance suite's helpers
(conformance/sumsq/sumsq_util.py, conformance/syscalls/stracelog.py)."""
import pathlib
import sys

CONF = pathlib.Path(__file__).resolve().parents[2] / "conformance"
sys.path.insert(0, str(CONF / "syscalls"))
sys.path.insert(0, str(CONF / "sumsq"))
