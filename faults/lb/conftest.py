"""Fixtures of the lb fault scenarios: the conformance tests' own
(conformance/lb/conftest.py: `launcher` with long client timeouts, and
`backends(n)`, fake backends listed in {backends}), so the scenarios start
the load balancer exactly as the conformance tests do. faults/proxy goes on
sys.path for the checks the proxy, lb and sidecar scenarios share
(proxyfaults.py), conformance/lb and conformance/proxy for lbkit and
proxykit.
"""
import sys

from osnet_harness.specs import ROOT

sys.path.insert(0, str(ROOT / "faults" / "proxy"))
sys.path.insert(0, str(ROOT / "conformance" / "proxy"))
from proxyfaults import load_fixtures  # noqa: E402

_fixtures = load_fixtures("lb")
launcher = _fixtures.launcher
backends = _fixtures.backends
