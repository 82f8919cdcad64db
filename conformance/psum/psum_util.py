"""What the psum tests share (specs/psum.md): the exact answer, one run
checked against it, and runs under strace -f read as the story of the
program's threads: created, alive at once, ended before the program."""
import pytest

from osnet_harness.net import describe_diff
from osnet_harness.stracelog import Strace, creates_process, creates_thread, parse

MAX_N = 2 ** 64 - 1
THREADS = ["clone", "clone3", "fork", "vfork", "exit", "exit_group"]


def expected(n):
    """1 + 2 + ... + n, by the closed form."""
    return n * (n + 1) // 2


def check_sum(cli, k, n, **kw):
    """Run once; fail unless stdout is the exact sum and a newline, exit 0."""
    r = cli.run(["-j", str(k), str(n)], **kw)
    want = f"{expected(n)}\n".encode()
    if r.status != 0 or r.stdout != want:
        why = r.describe() if r.status != 0 else describe_diff(want, r.stdout)
        pytest.fail(f"-j {k} {n}: {why}\n  expected stdout {want!r}, got {r.stdout[:200]!r}\n"
                    f"  stderr: {r.stderr[-300:]!r}\n  reproduce: {r.repro()}", pytrace=False)
    return r


class Story:
    """A run under strace -f: result, calls, and what its threads did.

    created: thread ids from successful clone/clone3 with CLONE_THREAD;
    processes: process-creating calls; most_alive: the largest number of
    created threads alive at one moment (a thread counts from the start of
    the call that creates it to its own exit call); unended: created
    threads with no exit call before the program's exit_group."""

    def __init__(self, result, strace):
        self.result, self.strace = result, strace
        self.calls = parse(strace.log) if strace.log.exists() else []
        self.created = [c.ret for c in self.calls if creates_thread(c)]
        self.processes = [c for c in self.calls if creates_process(c)]
        mine = set(self.created)
        exits = {c.pid: c.index for c in self.calls if c.name == "exit" and c.pid in mine}
        group = [c.index for c in self.calls if c.name == "exit_group"]
        end = group[0] if group else float("inf")
        self.unended = [t for t in self.created if exits.get(t, end + 1) > end]
        events = [(c.index, 1) for c in self.calls if creates_thread(c)]
        events += [(i, -1) for i in exits.values()]
        alive = self.most_alive = 0
        for _, d in sorted(events):
            alive += d
            self.most_alive = max(self.most_alive, alive)

    def where(self, limit=40):
        lines = [c.line for c in self.calls]
        if len(lines) > limit:
            lines = lines[:limit] + [f"... ({len(lines) - limit} more)"]
        shown = "\n      ".join(lines) or "(none)"
        return (f"\n  strace -f ({', '.join(THREADS)}):\n      {shown}"
                f"\n  strace log: {self.strace.log}\n  reproduce: {self.result.repro()}")


def traced(cli, workdir, argv, injections=()):
    st = Strace(workdir, list(injections), trace=THREADS)
    r = cli.run(argv, wrap=st.wrap())
    return Story(r, st)
