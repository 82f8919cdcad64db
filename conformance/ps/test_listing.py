"""PS-001..005: the listing: its form, every process once, no threads, the
PPID and state of each, compared with /proc read by the test."""
import os
import signal
import time

import pytest

from ps.pstools import procps_line, run_ps, snapshot, state, stat_fields, wait_until


@pytest.mark.req("PS-001")
def test_form_of_the_output(cli, procs):
    procs.sleeper("form", "check")
    ls = run_ps(cli)
    ls.well_formed()
    assert ls.rows, "no process line at all" + ls.where()


@pytest.mark.req("PS-002")
def test_every_process_once(cli, procs):
    mine = [procs.sleeper(f"every-{i}").pid for i in range(5)]
    before = snapshot()
    ls = run_ps(cli)
    after = snapshot()
    ls.well_formed()
    # A process is certainly there throughout if it is in both snapshots
    # with the same start time (a PID reused in between is not the same one).
    steady = sorted(p for p in before if p in after and before[p][0] == after[p][0])
    for p in mine:
        assert p in steady, f"the test's process {p} vanished"
    missing = [p for p in steady if p not in ls.rows]
    assert not missing, (f"{len(missing)} process(es) alive before and after the run are not "
                         f"listed: {missing[:10]} (e.g. PID {missing[0]}: "
                         f"{before[missing[0]][4][:100]!r}){procps_line(missing[0])}{ls.where()}")
    twice = [p for p, rows in ls.rows.items() if len(rows) > 1]
    assert not twice, f"listed more than once: {twice[:10]}{ls.where()}"


@pytest.mark.req("PS-003")
def test_threads_are_not_processes(cli, procs):
    h = procs.holder()
    tids = h.do("r = threads(6)")
    assert all(os.path.exists(f"/proc/{t}/stat") for t in tids)
    ls = run_ps(cli)
    ls.well_formed()
    assert h.pid in ls.rows, f"the multithreaded process {h.pid} is not listed{ls.where()}"
    shown = [t for t in tids if t in ls.rows]
    assert not shown, (f"process {h.pid} has threads {tids}; these are listed as processes: "
                       f"{shown} (only thread-group leaders are processes: proc(5), "
                       f"/proc/pid/task){ls.where()}")


@pytest.mark.req("PS-004")
def test_ppid(cli, procs):
    h = procs.holder()
    child = h.do("p = subprocess.Popen(['/bin/sh', '-c', 'read x', 'ppid-child'], "
                 "stdin=subprocess.PIPE); keep.append(p); r = p.pid")
    # An orphan: sh starts a background sleeper and exits; the sleeper's new
    # parent is whatever the kernel chose (init or a subreaper): /proc says.
    orphan_parent = procs.spawn(["/bin/sh", "-c", "sleep 1000 </dev/null >/dev/null 2>&1 & "
                                 "echo $!"], stdout=-1, wait_exec=False)
    orphan = int(orphan_parent.stdout.readline())
    orphan_parent.wait()
    procs.started.append(_Killer(orphan))
    wait_until(lambda: stat_fields(orphan) and stat_fields(orphan)[2] != orphan_parent.pid,
               "the orphan to be reparented")
    wait_until(lambda: stat_fields(child), "the holder's child")
    ls = run_ps(cli)
    ls.well_formed()
    cases = [(child, h.pid, "a child of the holder"),
             (orphan, stat_fields(orphan)[2], "an orphan (its parent exited)"),
             (h.pid, os.getpid(), "the holder, a child of the test")]
    for pid in (1, 2):
        f = stat_fields(pid)
        if f:
            cases.append((pid, f[2], f"PID {pid}"))
    for pid, ppid, what in cases:
        row = ls.one(pid)
        assert row, f"{what}, PID {pid}, is not listed{ls.where()}"
        assert row[0] == ppid, (f"{what}: PID {pid} has PPID {ppid} (/proc/{pid}/stat field 4), "
                                f"listed with {row[0]}: {row[3][:200]!r}"
                                f"{procps_line(pid)}{ls.where()}")


class _Killer:
    """Something Procs.close() can kill that is not our child."""

    def __init__(self, pid):
        self.pid = pid
        self.stdin = self.stdout = self.stderr = None

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def wait(self, timeout=None):
        return 0


@pytest.mark.req("PS-005")
def test_state_letter(cli, procs):
    sleeping = procs.sleeper("state-S").pid
    stopped = procs.spawn(["sleep", "1000"]).pid
    os.kill(stopped, signal.SIGSTOP)
    busy = procs.spawn(["/bin/sh", "-c", "while :; do :; done", "state-R"]).pid
    h = procs.holder()
    zombie = h.do("r = zombie(b'state-Z')")
    want = {sleeping: "S", stopped: "T", busy: "R", zombie: "Z"}
    for pid, letter in want.items():
        wait_until(lambda: state(pid) == letter, f"PID {pid} to be in state {letter}")
    # Idle kernel threads that stay idle: workqueue rescuers and the like
    # (not kworkers or RCU's threads, which wake up often), idle in every
    # one of many samples before the run and again after it. One may still
    # have woken briefly during the run and be rightly listed R or D: when
    # only idle threads are listed otherwise, run once more (a program that
    # gets I wrong gets it wrong twice).
    for attempt in (1, 2):
        idle = {p for p, v in snapshot().items() if v[2] == "I" and not v[4]
                and not v[1].startswith((b"kworker", b"rcu"))}
        for _ in range(20):
            idle = {p for p in idle if state(p) == "I"}
            time.sleep(0.005)
        ls = run_ps(cli)
        idle = sorted(p for p in idle if state(p) == "I")[:20]
        ls.well_formed()
        if all((row := ls.one(p)) is None or row[1][:1] == "I" for p in idle):
            break
    for p in idle:
        want[p] = "I"
    for pid, letter in want.items():
        row = ls.one(pid)
        assert row, f"PID {pid} (state {letter}) is not listed{ls.where()}"
        assert row[1][:1] == letter, (
            f"PID {pid} is in state {letter} (/proc/{pid}/stat field 3), but STAT is "
            f"{row[1]!r}: {row[3][:200]!r}{procps_line(pid)}{ls.where()}")
