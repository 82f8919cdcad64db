"""A worker killed by a signal (specs/sumsq.md, SUMSQ-013): the test kills
the first worker with SIGKILL while all four are busy with a huge N. The
parent must name it and the signal, stop and reap the others, print no
sum, exit 1."""
import os
import re
import signal

import pytest

from sumsq.sumsq_util import (HUGE_N, PROCS, WAITS, alive, need_workers, run_to_parent_exit,
                              strace_for)
from osnet_harness.stracelog import unreaped


@pytest.mark.req("SUMSQ-013", "SUMSQ-010", "SUMSQ-011")
def test_first_worker_killed(cli, workdir):
    st = strace_for(workdir)
    p = cli.start(["--mode", "proc", "-j", "4", str(HUGE_N)], wrap=st.wrap())
    parent, workers = need_workers(p, 4, f"N = {HUGE_N} ended before its four workers could be "
                                          "seen: workers must add term by term (SUMSQ-011)")
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    t = run_to_parent_exit(p, st)
    r = t.result
    where = (f"\n  parent pid {parent}, workers {workers}, SIGKILL sent to {victim}"
             f"\n  strace:\n      {t.lines(PROCS + WAITS)}{t.where()}")
    assert r.status == 1, f"{r.describe()}, 1 expected when a worker was killed{where}"
    assert r.stdout == b"", f"stdout {r.stdout[:100]!r}: no sum may be printed{where}"
    err = r.stderr.decode(errors="replace")
    assert re.search(rf"\b{victim}\b", err), \
        f"stderr {err[-300:]!r} does not name the killed worker's pid {victim}{where}"
    assert re.search(r"\b9\b|KILL|Killed", err.replace(str(victim), "")), \
        f"stderr {err[-300:]!r} does not name the signal (9, SIGKILL or Killed){where}"
    running = [w for w in workers if alive(w)]
    assert not running and not r.leftover, \
        f"workers still running after the parent exited: {running or r.leftover}{where}"
    left = unreaped(t.calls)
    assert not left, f"workers never waited for: {[c for _, c in left]}{where}"
