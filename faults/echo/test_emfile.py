"""ECHO-013: out of file descriptors (a real EMFILE from a low RLIMIT_NOFILE)."""
import pytest

from osnet_harness.net import (assert_serves, connect_many, expect_bytes, payload,
                               roundtrip)
from osnet_harness.timeouts import T

HEADROOM = 32   # descriptors the server may open beyond what it uses when idle
CLIENTS = 80    # more than that: accept fails with EMFILE


@pytest.mark.req("ECHO-013")
def test_emfile_keeps_serving_and_recovers(launcher):
    """Expectation: survives, serves the clients it has, serves new ones once fds are free."""
    s = launcher.start()
    # The limit is set on the running program, from what it uses when idle,
    # so a runtime that opens many descriptors at start is not cut short.
    FD_LIMIT = s.open_fds() + HEADROOM
    s.set_fd_limit(FD_LIMIT)
    for episode in range(2):
        crowd = connect_many(s.addr, CLIENTS, timeout=T(30))
        try:
            # The first client was accepted before descriptors ran out.
            data = payload(4096, seed=episode)
            got, why = roundtrip(crowd[0], data, timeout=T(15))
            expect_bytes(data, got, why,
                         what=f"echo to an accepted client while {CLIENTS} clients exceed the "
                              f"server's {FD_LIMIT}-descriptor limit (episode {episode + 1})")
        finally:
            for c in crowd:
                c.close()
        assert_serves(s, f"after {CLIENTS} clients exhausted the server's {FD_LIMIT} descriptors "
                         f"and left (episode {episode + 1})", seed=100 + episode)
    assert s.alive(), "the server exited after running out of descriptors\n" + s.stderr_block()
