"""Fixtures the proxy, lb and sidecar conftests share (and, through them,
the fault scenarios that load those conftests).

    origin, launcher = origin_fixtures("proxy")   # in conformance/proxy/conftest.py

`origin` is a fake origin server (osnet_harness.backends.Backend) started
for each test; `launcher` is the harness's, with {upstream} filled with the
origin's address, and client timeouts made long by long_timeouts(). Every
test needs an origin of its own, so with --addr (a program someone else
started, pointed at some other origin) they are all skipped.
"""
import pytest

from .backends import Backend
from .timeouts import T


def long_timeouts(launcher):
    """Header and idle timeouts far longer than any wait of a test (unless
    the test sets them), so a program's own defaults never decide a test."""
    long = str(int(T(300)))
    launcher.default_args.update({"--header-timeout": long, "--idle-timeout": long})
    return launcher


def origin_fixtures(component):
    """The `origin` and `launcher` fixtures of a program (`component`: its
    name in the skip message) that forwards to one origin, {upstream}."""

    @pytest.fixture
    def origin(impl):
        if impl.remote:
            pytest.skip(f"--addr: every {component} test needs the {component} pointed at an "
                        f"origin the test runs itself; run it without --addr")
        b = Backend("origin").start()
        yield b
        b.stop()

    @pytest.fixture
    def launcher(launcher, origin):
        launcher.values["upstream"] = origin.hostport
        return long_timeouts(launcher)

    return origin, launcher
