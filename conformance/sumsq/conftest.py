"""sumsq_util.py lives in this folder; the strace log reader comes from
conformance/syscalls (stracelog.py). faults/sumsq uses both."""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "syscalls"))
sys.path.insert(0, str(HERE))
