"""The program's log lines cannot be written: its stderr is a full disk, or
a pipe whose reader is gone (a log collector that died). Real faults, set up
before the program starts, on stderr only: libfiu's posix/io/rw/write point
would also fail the program's other write() calls (the eventfd its worker
threads are woken with), which no real disk or pipe does."""
import pytest

from itemsfaults import call, create, dead_note, item, rq
from osnet_harness.launch import describe_status
from osnet_harness.timeouts import T

PY = "/usr/bin/python3"

# Python ignores SIGPIPE and exec keeps an ignored signal ignored: put the
# default action back, so the program meets a closed pipe as it would
# under a shell.
CLOSED_PIPE = """
import os, signal, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 2)
os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
"""

STDERR = {
    "dev-full": (["sh", "-c", 'exec "$@" 2>/dev/full', "sh"],
                 "stderr is /dev/full (every write fails with ENOSPC)"),
    "closed-pipe": ([PY, "-c", CLOSED_PIPE],
                    "stderr is a pipe nobody reads any more (every write fails with EPIPE, "
                    "and raises SIGPIPE unless the program ignores it)"),
}


@pytest.mark.req("ITEMS-133")
@pytest.mark.parametrize("where", list(STDERR))
def test_log_lines_cannot_be_written(launcher, where):
    """Expectation: the program starts with its stderr a full disk
    (/dev/full) or a pipe whose reading end is closed, with SIGPIPE at its
    default action (a program that does not ignore it is killed by its
    first log line). It accepts connections; a create gets 201, its GET
    200, a PATCH 200, a DELETE 204, a GET of the deleted item 404, a page
    of the list 200, and 20 more creates 201: every request answered as
    usual, each of them a log line that could not be written. SIGTERM:
    exit status 0 ("stopping" and "stopped" cannot be written either)."""
    wrap, words = STDERR[where]
    s = launcher.start(wrap=wrap)
    what = f"{words}:"
    it = create(s, item("log-1", 1), f"{what} a create")
    r = call(s, rq("GET", f"/items/{it['id']}"), f"{what} a GET")
    steps = [(rq("GET", f"/items/{it['id']}"), 200),
             (rq("PATCH", f"/items/{it['id']}", {"quantity": 9}), 200),
             (rq("DELETE", f"/items/{it['id']}"), 204),
             (rq("GET", f"/items/{it['id']}"), 404),
             (rq("GET", "/items?limit=5"), 200)]
    for data, status in steps:
        r = call(s, data, f"{what} {data.split(b' HTTP/')[0].decode()}")
        if r.status != status:
            raise AssertionError(f"{what} {data.split(b' HTTP/')[0].decode()} should get "
                                 f"{status}, got:\n" + r.summary(300) + dead_note(s))
    for k in range(20):
        create(s, item(f"log-more-{k}", k), f"{what} create {k + 1} of 20 more")
    if not s.alive():
        raise AssertionError(f"{what} the program exited ({describe_status(s.proc.returncode)}) "
                             f"although every request was answered")
    rc, clean, _ = s.stop(timeout=T(20))
    if not clean or rc != 0:
        raise AssertionError(f"{what} after SIGTERM the program "
                             + (f"did not exit within {T(20):.0f}s" if not clean
                                else describe_status(rc)) + "; expected exit status 0")
