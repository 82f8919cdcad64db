"""Fixtures of the proxy fault scenarios: the conformance tests' own
(conformance/proxy/conftest.py: `origin`, a fake origin per test, and
`launcher` / `server` pointed at it with long client timeouts), so the
scenarios start the proxy exactly as the conformance tests do. This folder
goes on sys.path for the shared checks (proxyfaults.py), conformance/proxy
for proxykit.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from proxyfaults import load_fixtures  # noqa: E402

_fixtures = load_fixtures("proxy")
origin = _fixtures.origin
launcher = _fixtures.launcher
server = _fixtures.server
