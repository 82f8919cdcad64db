"""Fixtures of the http tests (conformance, faults and pcap alike): the
document root, and servers that serve it. Each suite's conftest.py imports
them from here, so all three serve the same files the same way.

`launcher` and `server` are the harness's, with {datadir} filled with the
document root, and header and idle timeouts far longer than any wait of a
test (unless the test sets them): a test that waits T(10) for the server to
close must not be passed by a server whose default timeout merely expires
first (at OSNET_TIMEOUT_MULTIPLIER=2, T(10) is 20 s, past the 15 s default).
`site` is that root; a test that needs to know the files asks for it, and is
skipped under --addr (a server started by someone else serves some other
directory).
"""
import pathlib
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from httpsite import Site  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


@pytest.fixture(scope="session")
def _docroot(request):
    base = tempfile.mkdtemp(prefix="http-docroot-", dir=request.config.osnet_artifacts)
    return Site(base)


@pytest.fixture
def launcher(launcher, _docroot):
    launcher.values["datadir"] = str(_docroot.root)
    long = str(int(T(300)))
    launcher.default_args.update({"--header-timeout": long, "--idle-timeout": long})
    return launcher


@pytest.fixture
def site(impl, _docroot):
    if impl.remote:
        pytest.skip("--addr: this test needs the document root the tests create (it compares "
                    "responses with known files); run it without --addr")
    return _docroot
