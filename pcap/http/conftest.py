"""Fixtures of the http wire tests: the same as the conformance tests'.

conformance/http/conftest.py fills {datadir} into every launcher.start() and
builds the document root (`site`); it is loaded here under its own module
name and its fixtures re-exported, so the wire tests serve the same files the
same way (as faults/http/conftest.py does). conformance/http goes on sys.path
for `httpclient` and `httpsite`, and this folder for `httpwire` (a folder
named like the standard library's `http` cannot be a package).
"""
import importlib.util
import pathlib
import sys

from osnet_harness.specs import ROOT

HTTP_TESTS = ROOT / "conformance" / "http"
sys.path.insert(0, str(HTTP_TESTS))

_spec = importlib.util.spec_from_file_location("osnet_conformance_http_conftest_pcap",
                                               HTTP_TESTS / "conftest.py")
_conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conformance)

_docroot = _conformance._docroot
launcher = _conformance.launcher
site = _conformance.site

sys.path.insert(0, str(pathlib.Path(__file__).parent))
