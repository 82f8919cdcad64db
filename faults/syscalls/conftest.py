"""The syscalls fault tests use the conformance suite's helpers
(conformance/syscalls/stracelog.py, sysc_util.py)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "conformance" / "syscalls"))
