"""The workers as strace -f sees them (specs/sumsq.md, "Workers"): K
processes that each write, or K threads; every child waited for."""
import pytest

from sumsq.sumsq_util import HUGE_N, expected, need_workers, stop, traced_run
from osnet_harness.stracelog import creates_process, creates_thread, unreaped


def created(t):
    return [c for c in t.calls if creates_process(c)]


@pytest.mark.req("SUMSQ-008")
def test_proc_mode_k_processes_each_writing(cli, workdir):
    for k, n in ((1, 50), (4, 1000), (7, 7)):
        t = traced_run(cli, workdir, ["--mode", "proc", "-j", str(k), str(n)],
                       extra=["write", "writev"])
        r = t.result
        where = f"\n  strace (process creation and waits):\n      " \
                f"{t.lines(('clone', 'clone3', 'fork', 'vfork', 'wait4', 'waitid'))}{t.where()}"
        assert r.status == 0 and r.stdout == f"{expected(n)}\n".encode(), \
            f"-j {k} {n}: {r.describe()}, stdout {r.stdout[:100]!r}{where}"
        kids = [c.ret for c in created(t)]
        assert len(kids) == k, f"-j {k} {n}: {len(kids)} processes created, {k} expected{where}"
        writers = {c.pid for c in t.calls if c.name in ("write", "writev") and c.ok()}
        silent = [p for p in kids if p not in writers]
        assert not silent, \
            f"-j {k} {n}: workers {silent} never wrote (a partial sum goes over a pipe){where}"


@pytest.mark.req("SUMSQ-009")
def test_thread_mode_k_threads_no_process(cli, workdir):
    for k, n in ((1, 50), (4, 1000), (9, 100)):
        t = traced_run(cli, workdir, ["--mode", "thread", "-j", str(k), str(n)])
        r = t.result
        where = f"\n  strace:\n      {t.lines(('clone', 'clone3', 'fork', 'vfork'))}{t.where()}"
        assert r.status == 0 and r.stdout == f"{expected(n)}\n".encode(), \
            f"-j {k} {n}: {r.describe()}, stdout {r.stdout[:100]!r}{where}"
        procs = created(t)
        assert not procs, f"thread mode created {len(procs)} processes: {procs[0].line}{where}"
        threads = [c for c in t.calls if creates_thread(c)]
        assert len(threads) >= k, f"-j {k}: {len(threads)} threads created, at least {k} expected{where}"


@pytest.mark.req("SUMSQ-010")
def test_every_child_waited_for(cli, workdir):
    for k, n in ((3, 10), (16, 100000), (64, 64)):
        t = traced_run(cli, workdir, ["--mode", "proc", "-j", str(k), str(n)])
        where = f"\n  strace:\n      {t.lines(('clone', 'clone3', 'fork', 'vfork', 'wait4', 'waitid'))}" \
                f"{t.where()}"
        assert t.result.status == 0, f"-j {k} {n}: {t.result.describe()}{where}"
        left = unreaped(t.calls)
        assert not left, f"-j {k} {n}: children never waited for (zombies until the parent exits): " \
                         f"{[c for _, c in left]}{where}"
        assert not t.result.leftover, f"processes left running: {t.result.leftover}{where}"


@pytest.mark.req("SUMSQ-011")
def test_workers_add_term_by_term(cli):
    p = cli.start(["--mode", "proc", "-j", "4", str(HUGE_N)])
    try:
        need_workers(p, 4, f"N = {HUGE_N} ended at once instead of four workers adding "
                           "2.5e12 terms each: a closed formula?")
        assert p.proc.poll() is None
    finally:
        stop(p)
