"""What the syscalls tests share: running the program under strace, and
reading FILE's life out of the log (specs/syscalls.md, "The sequence").

    run = traced(cli, workdir, ["--sleep-ms", "250", path])
    seq = Sequence(run.calls, path)
    seq.open, seq.reads, seq.close, seq.sleeps, seq.writes

Every check reports the strace lines it looked at (run.excerpt()) and the
command that reproduces the run.
"""
import os
import time

from osnet_harness.stracelog import Strace
from osnet_harness.stracelog import parse, timespec_ns

OPENS = ("open", "openat", "openat2", "creat")
SLEEPS = ("clock_nanosleep", "nanosleep")
WRITES = ("write", "writev")
# Ways to get FILE's bytes other than read(2) (SYSC-003), and where each
# takes the file's descriptor: argument index.
OTHER_READS = {"pread64": 0, "readv": 0, "preadv": 0, "preadv2": 0, "mmap": 4,
               "sendfile": 1, "splice": 0, "copy_file_range": 0}
TRACE = sorted(set(OPENS) | set(SLEEPS) | set(WRITES) | set(OTHER_READS)
               | {"read", "close", "exit_group"})

CLOCKS = {name: getattr(time, name) for name in
          ("CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME", "CLOCK_TAI")
          if hasattr(time, name)}


def clock_now():
    """Every clock a deadline may be given on, now, in nanoseconds."""
    return {name: time.clock_gettime_ns(c) for name, c in CLOCKS.items()}


class TracedRun:
    """A run under strace: result, calls, the clocks before and after."""

    def __init__(self, result, strace, before, after):
        self.result, self.strace = result, strace
        self.before, self.after = before, after
        self.calls = parse(strace.log) if strace.log.exists() else []

    def excerpt(self, calls=None, limit=40):
        """The strace lines of `calls` (default: every call logged), one per
        line, cut in the middle past `limit` lines."""
        calls = self.calls if calls is None else calls
        lines = [c.line for c in calls]
        if len(lines) > limit:
            lines = lines[:limit // 2] + [f"... ({len(lines) - limit} more)"] + lines[-limit // 2:]
        return "\n      ".join(lines) or "(no calls logged)"

    def where(self):
        return (f"\n  strace log: {self.strace.log}"
                f"\n  reproduce: {self.result.repro()}")


def traced(cli, workdir, args, injections=(), paths=(), trace=TRACE, **kw):
    """Run the program under `strace -f` (Strace helper); a TracedRun."""
    st = Strace(workdir, list(injections), trace=list(trace), paths=paths)
    before = clock_now()
    r = cli.run(args, wrap=st.wrap(), **kw)
    after = clock_now()
    return TracedRun(r, st, before, after)


def unquote(arg):
    if len(arg) >= 2 and arg[0] == '"' and arg.endswith('"'):
        return arg[1:-1]
    return arg


def open_path(call):
    """The path an open-family call names."""
    i = 0 if call.name in ("open", "creat") else 1
    return unquote(call.args[i]) if len(call.args) > i else None


class Sequence:
    """FILE's life in a log: its open, the reads of its descriptor until it
    is closed, the close, the sleep calls and the writes to fd 1."""

    def __init__(self, calls, path, cwd=None):
        names = {str(path)}
        names.add(os.path.abspath(os.path.join(cwd or os.getcwd(), str(path))))
        self.calls = calls
        self.opens = [c for c in calls if c.name in OPENS and (
            open_path(c) in names
            or (cwd and os.path.normpath(os.path.join(cwd, open_path(c) or "")) in names))]
        ok = [c for c in self.opens if c.ok()]
        self.open = ok[0] if ok else None
        self.fd = self.open.ret if self.open else None
        start = self.open.index if self.open else len(calls)
        self.close = next((c for c in calls if c.name == "close" and c.index > start
                           and c.arg_int(0) == self.fd), None)
        end = self.close.index if self.close else float("inf")
        life = [c for c in calls if start < c.index < end]
        self.reads = [c for c in life if c.name == "read" and c.arg_int(0) == self.fd]
        self.other_reads = [c for c in life if c.name in OTHER_READS
                            and c.arg_int(OTHER_READS[c.name]) == self.fd]
        self.sleeps = [c for c in calls if c.name in SLEEPS]
        self.writes = [c for c in calls if c.name in WRITES and c.arg_int(0) == 1]

    def eof_read(self):
        """The first read of FILE that returned 0 (None if none)."""
        return next((c for c in self.reads if c.ok() and c.ret == 0), None)

    def bytes_read(self):
        return sum(c.ret for c in self.reads if c.ok())

    def bytes_written(self):
        return sum(c.ret for c in self.writes if c.ok())

    def good_sleep(self):
        """The successful sleep call (the first; None if none)."""
        return next((c for c in self.sleeps if c.ok()), None)

    def relevant(self):
        """FILE's calls, the sleeps and the writes to stdout, in order."""
        keep = set(id(c) for c in self.opens + self.reads + self.other_reads
                   + self.sleeps + self.writes)
        if self.close:
            keep.add(id(self.close))
        return [c for c in self.calls if id(c) in keep or c.name == "exit_group"]


def sleep_request(call):
    """(clock or None, absolute?, nanoseconds) of a sleep call's argument."""
    if call.name == "nanosleep":
        return None, False, timespec_ns(call.args[0] if call.args else "")
    clock = call.args[0] if call.args else None
    flags = call.args[1] if len(call.args) > 1 else ""
    ts = timespec_ns(call.args[2] if len(call.args) > 2 else "")
    return clock, "TIMER_ABSTIME" in flags, ts


def sleep_problem(call, ms, run):
    """None when the sleep call asks for `ms` milliseconds (SYSC-006's
    argument rule), else what is wrong with it."""
    clock, absolute, ns = sleep_request(call)
    if ns is None:
        return f"cannot read the time of {call.line}"
    want = ms * 1_000_000
    if not absolute:
        if ns != want:
            return (f"the sleep asks for {ns / 1e6:g} ms, not {ms} ms "
                    f"(tv_sec={want // 10**9}, tv_nsec={want % 10**9} expected)")
        return None
    if clock not in run.before:
        return f"a deadline on {clock}, a clock the test cannot read"
    lo, hi = run.before[clock] + want, run.after[clock]
    if ns < lo:
        return (f"the deadline is {(lo - ns) / 1e6:.1f} ms before (start of the run + "
                f"{ms} ms): it sleeps less than {ms} ms")
    if ns > hi:
        return (f"the deadline is {(ns - hi) / 1e6:.1f} ms after the program exited: "
                "the sleep cannot have ended at it")
    return None


def sleep_bound_problem(call, ms, first):
    """For a sleep resumed after EINTR: None when it asks for at most `ms`
    (relative) or a deadline not later than the first call's (absolute)."""
    clock, absolute, ns = sleep_request(call)
    if ns is None:
        return f"cannot read the time of {call.line}"
    if not absolute:
        if ns > ms * 1_000_000:
            return f"the resumed sleep asks for {ns / 1e6:g} ms, more than the {ms} ms requested"
        return None
    fclock, fabs, fns = sleep_request(first)
    if not fabs or fclock != clock:
        return None  # switched from relative to absolute: nothing to compare
    if ns > fns:
        return (f"the resumed sleep's deadline is {(ns - fns) / 1e6:.1f} ms later than "
                "the interrupted one's: it started the sleep over")
    return None
