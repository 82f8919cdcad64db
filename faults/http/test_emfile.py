"""HTTP-041: out of file descriptors (a real EMFILE from a low RLIMIT_NOFILE)."""
import pytest

from osnet_harness.httpclient import Conn, HttpError, exchange, get
from httpfaults import check_file, closes_after, dead_note, get_file, limit_processes, wait_fds
from osnet_harness.net import connect_many
from osnet_harness.timeouts import T

HEADROOM = 32   # descriptors each server process may open beyond what it uses now
KEPT = 4        # keep-alive clients connected before the limit is set
LONG = ["--header-timeout", "600", "--idle-timeout", "600"]  # idle clients hold their descriptors


@pytest.mark.req("HTTP-041")
def test_emfile_keeps_serving_and_recovers(launcher, site):
    """Expectation: with every descriptor in use, accept fails with EMFILE; the
    server survives, answers each request on the keep-alive connections it
    already has with a complete response (200 and the file's bytes, or a 5xx:
    opening the file needs a descriptor too, and nginx then closes), and once
    the crowd has left, the kept connections and new ones get the files
    byte-exact again. Twice in a row.

    The limit is set, with prlimit, on every process of the server (nginx's
    workers too; a limit set on nginx's master alone would not reach workers
    already running), from what each has open when idle, so a runtime that
    opens many descriptors at start is not cut short. --header-timeout and
    --idle-timeout are raised so that no idle client is dropped (which would
    free descriptors) while the test runs."""
    s = launcher.start(args=LONG)
    kept = []
    try:
        kept = [Conn(s.addr, timeout=T(15)) for _ in range(KEPT)]
        for i, c in enumerate(kept):
            get_file(s, site, "/hello.txt", f"keep-alive client {i + 1} before the limit", conn=c)
        limits = limit_processes(s, HEADROOM)
        clients = HEADROOM * len(limits) + 40
        for episode in range(1, 3):
            context = (f"episode {episode}: {clients} clients connected while each server process "
                       f"may open only {HEADROOM} descriptors more than when idle")
            crowd = connect_many(s.addr, clients, timeout=T(30))
            try:
                # A process whose descriptor count reaches its limit has
                # accepted all it can: its next accept fails with EMFILE.
                counts, full = wait_fds(limits, lambda n: any(n[p] >= limits[p] for p in n), T(15))
                if not s.alive():
                    raise AssertionError(f"{context}: the server exited when it ran out of "
                                         f"descriptors\n" + s.stderr_block())
                if not full:
                    pytest.skip(f"no server process used all its descriptors ({counts} open, "
                                f"limits {limits}) with {clients} clients connected: the server "
                                f"does not hold that many connections, so accept never failed "
                                f"with EMFILE and this scenario cannot fault it")
                for i, c in enumerate(kept):
                    what = f"{context}: keep-alive client {i + 1} asks for /hello.txt"
                    try:
                        _, r = exchange(s.addr, get("/hello.txt"), conn=c, timeout=T(30))
                    except (OSError, HttpError) as e:
                        raise AssertionError(f"{what}: no complete response ({e})."
                                             f"{dead_note(s)}\n" + s.stderr_block()) from None
                    if not 500 <= r.status <= 599:
                        check_file(r, site, "/hello.txt", what + " (a 200 or a 5xx expected)")
                    if closes_after(r):
                        c.close()
                        kept[i] = None
            finally:
                for c in crowd:
                    c.close()
            # Recovery: every process closes the connections the crowd left
            # (accepting the ones still queued first) and is back near idle.
            counts, calm = wait_fds(limits, lambda n: all(n[p] <= limits[p] - HEADROOM // 2
                                                          for p in n), T(30))
            if not calm:
                raise AssertionError(f"{context}: {T(30):.0f}s after the crowd closed its "
                                     f"connections the server still holds the descriptors "
                                     f"({counts} open, limits {limits}).{dead_note(s)}\n"
                                     + s.stderr_block())
            for i, c in enumerate(kept):
                if c is not None:
                    get_file(s, site, "/small.bin", f"{context}, and left: keep-alive client "
                                                    f"{i + 1}", conn=c)
                else:  # the server closed it after its 5xx: a new one takes its place
                    kept[i] = Conn(s.addr, timeout=T(15))
                    get_file(s, site, "/small.bin", f"{context}, and left: a new keep-alive "
                                                    f"client in place of {i + 1}", conn=kept[i])
            get_file(s, site, "/mid.bin", f"{context}, and left: a new client")
    finally:
        for c in kept:
            if c is not None:
                c.close()
    assert s.alive(), "the server exited after running out of descriptors\n" + s.stderr_block()
