"""Fixtures of the sidecar fault scenarios: the conformance tests' own
(conformance/sidecar/conftest.py: `origin`, a fake origin per test, and
`launcher` pointed at it with long client timeouts; {metrics_port} is
filled by the harness). faults/proxy goes on sys.path for the checks the
proxy, lb and sidecar scenarios share (proxyfaults.py), conformance/proxy
for proxykit.
"""
import sys

from osnet_harness.specs import ROOT

sys.path.insert(0, str(ROOT / "faults" / "proxy"))
sys.path.insert(0, str(ROOT / "conformance" / "proxy"))
from proxyfaults import load_fixtures  # noqa: E402

_fixtures = load_fixtures("sidecar")
origin = _fixtures.origin
launcher = _fixtures.launcher
