"""What the sumsq tests share (specs/sumsq.md): the exact answer, one run
checked against it, runs under strace, and the program's workers seen in
/proc while it runs."""
import time

import pytest

from osnet_harness.stracelog import Strace
from osnet_harness.launch import alive, children, group_members
from osnet_harness.net import describe_diff
from osnet_harness.timeouts import T
from osnet_harness.stracelog import parse

MAX_N = 10069012961344
# Large enough that a worker adding term by term runs for many minutes
# (2.5e12 terms each with -j 4), so the fault tests find them busy.
HUGE_N = 10_000_000_000_000
PROCS = ["clone", "clone3", "fork", "vfork"]
WAITS = ["wait4", "waitid"]


def expected(n):
    """Σ i² for i = 1..n, by the closed form (the program may not use it)."""
    return n * (n + 1) * (2 * n + 1) // 6


def args(mode, k, n):
    return ["--mode", mode, "-j", str(k), str(n)]


def check_sum(cli, mode, k, n, **kw):
    """Run once; fail unless stdout is the exact sum and a newline, exit 0."""
    r = cli.run(args(mode, k, n), **kw)
    want = f"{expected(n)}\n".encode()
    if r.status != 0 or r.stdout != want:
        why = r.describe() if r.status != 0 else describe_diff(want, r.stdout)
        pytest.fail(f"--mode {mode} -j {k} {n}: {why}\n  expected stdout {want!r}, got "
                    f"{r.stdout[:200]!r}\n  stderr: {r.stderr[-300:]!r}\n"
                    f"  reproduce: {r.repro()}", pytrace=False)
    return r


class Traced:
    """A run under strace -f: result, calls, strace (the helper)."""

    def __init__(self, result, strace):
        self.result, self.strace = result, strace
        self.calls = parse(strace.log) if strace.log.exists() else []

    def lines(self, names, limit=30):
        got = [c.line for c in self.calls if c.name in names]
        if len(got) > limit:
            got = got[:limit] + [f"... ({len(got) - limit} more)"]
        return "\n      ".join(got) or "(none)"

    def where(self):
        return f"\n  strace log: {self.strace.log}\n  reproduce: {self.result.repro()}"


def strace_for(workdir, injections=(), extra=()):
    return Strace(workdir, list(injections), trace=PROCS + WAITS + list(extra))


def traced_run(cli, workdir, argv, injections=(), extra=(), timeout=None):
    st = strace_for(workdir, injections, extra)
    r = cli.run(argv, wrap=st.wrap(), timeout=timeout)
    return Traced(r, st)


def wait_for_workers(proc, k, timeout=None):
    """Wait until one process of the program's group has k live children
    (the workers; the program may sit under a wrapper such as strace).
    Returns (parent pid, children in creation order), or None if the
    program exited first."""
    deadline = time.monotonic() + (T(20) if timeout is None else timeout)
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            return None
        for pid in group_members(proc.pid):
            kids = [c for c in children(pid) if alive(c)]
            if len(kids) >= k:
                return pid, kids
        time.sleep(0.01)
    raise AssertionError(f"the program never had {k} worker processes at once "
                         f"within {T(20):.0f}s")


def need_workers(proc, k, what):
    """wait_for_workers(proc, k), failing the test when the program exits
    first: `what` says why that is wrong, the report adds how it ended."""
    found = wait_for_workers(proc, k)
    if found is None:
        r = proc.wait()
        pytest.fail(f"{what} ({r.describe()}, stdout {r.stdout[:60]!r}, stderr "
                    f"{r.stderr[-300:]!r})\n  reproduce: {r.repro()}", pytrace=False)
    return found


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _first_tracee(proc, strace):
    """The program's pid under strace: strace's child once it has run
    execve (strace also forks short-lived children of its own at start-up,
    to probe what ptrace supports: those keep strace's command line), or,
    once it has exited already, the pid on the first line of the log
    (strace -f -o starts each line with the pid)."""
    mine = _cmdline(proc.pid)
    for kid in children(proc.pid):
        line = _cmdline(kid)
        if line is not None and mine is not None and line != mine:
            return kid
    try:
        with open(strace.log) as f:
            first = f.readline().split(None, 1)
    except OSError:
        return None
    return int(first[0]) if first and first[0].isdigit() else None


def run_to_parent_exit(proc, strace, timeout=None):
    """Wait for the program itself to exit (strace's child: the first
    process under strace, proc.pid), not for strace, which keeps tracing
    workers the program left running, until the timeout kills them all.
    Then every worker must be gone already: the program reaps them before
    it exits (SUMSQ-010, 012, 013). Returns a Traced; fails the test,
    naming them, when workers are left running (they are killed)."""
    timeout = T(60) if timeout is None else timeout
    deadline = time.monotonic() + timeout
    program = None
    while time.monotonic() < deadline and proc.proc.poll() is None:
        if program is None:
            program = _first_tracee(proc, strace)
        elif not alive(program):
            break
        time.sleep(0.01)
    if proc.proc.poll() is None and (program is None or alive(program)):
        proc.kill_group()
        r = proc.wait(T(10))
        raise AssertionError(f"the program did not finish within {timeout:.0f}s (killed with "
                             f"its whole group)\n  reproduce: {r.repro()}")
    left = [pid for pid in group_members(proc.pid) if pid not in (proc.pid, program)
            and alive(pid)]
    if left:
        proc.kill_group()
    r = proc.wait(T(60))
    t = Traced(r, strace)
    if left:
        pytest.fail(f"workers left running: {left}, after the program (pid {program}) exited "
                    f"(the test then killed them); it must stop and reap every worker before "
                    f"it exits; stderr {r.stderr[-300:]!r}"
                    f"\n  strace:\n      {t.lines(PROCS + WAITS)}{t.where()}", pytrace=False)
    return t


def stop(proc):
    """Kill a run the test has seen enough of, with every worker, and wait
    until the whole group is gone (so the harness does not report the
    workers as left behind by the program)."""
    proc.kill_group()
    deadline = time.monotonic() + T(10)
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc.wait()
