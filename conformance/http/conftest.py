"""The http conformance tests' fixtures: httpfixtures.py (shared with
faults/http and pcap/http)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from httpfixtures import _docroot, launcher, site  # noqa: E402,F401
