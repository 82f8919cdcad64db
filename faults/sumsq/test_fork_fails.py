"""Creating a worker fails (specs/sumsq.md, SUMSQ-012): strace makes the
second fork/clone/clone3 fail with EAGAIN while the first worker is busy
with a huge N. The program must say so, stop and reap that worker, print
no sum, exit 1."""
import pytest

from sumsq.sumsq_util import HUGE_N, PROCS, run_to_parent_exit, strace_for
from osnet_harness.stracelog import creates_process, unreaped


@pytest.mark.req("SUMSQ-012", "SUMSQ-010")
@pytest.mark.parametrize("mode", ["proc", "thread"])
def test_second_worker_cannot_start(cli, workdir, mode):
    st = strace_for(workdir, [",".join(PROCS) + ":error=EAGAIN:when=2"])
    p = cli.start(["--mode", mode, "-j", "4", str(HUGE_N)], wrap=st.wrap())
    t = run_to_parent_exit(p, st)
    r = t.result
    where = f"\n  strace:\n      {t.lines(PROCS + ['wait4', 'waitid'])}{t.where()}"
    if not t.strace.injected():
        pytest.skip("strace injected no EAGAIN: the program made fewer than two "
                    "fork/clone/clone3 calls")
    assert r.status == 1, f"{r.describe()}, 1 expected when a worker cannot start{where}"
    assert r.stdout == b"", f"stdout {r.stdout[:100]!r}: no sum may be printed{where}"
    assert b"Resource temporarily unavailable" in r.stderr, \
        f"stderr {r.stderr[-300:]!r} lacks 'Resource temporarily unavailable'{where}"
    assert not r.leftover, f"processes left running after the program exited: {r.leftover}{where}"
    if mode == "proc":
        started = [c.ret for c in t.calls if creates_process(c)]
        assert started, f"no worker was started before the failure{where}"
        left = unreaped(t.calls)
        assert not left, f"workers never waited for: {[c for _, c in left]}{where}"
