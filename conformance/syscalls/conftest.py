"""The syscalls tests' helpers (stracelog.py, sysc_util.py) live in this
folder; faults/syscalls and the sumsq suites import them from here too."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
