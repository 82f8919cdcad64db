"""Fixtures of the http wire tests: the conformance tests' own
(conformance/http/httpfixtures.py), so every suite serves the same files the
same way. conformance/http goes on sys.path for them
and for `httpsite` (a folder named like the standard library's `http` cannot be
a package); this folder for the wire verifiers (httpwire.py).
"""
import pathlib
import sys

from osnet_harness.specs import ROOT

sys.path.insert(0, str(ROOT / "conformance" / "http"))
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from httpfixtures import _docroot, launcher, site  # noqa: E402,F401
