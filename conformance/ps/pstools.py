"""What the ps tests (and the lsof ones) share: processes the test starts and
holds still, /proc read by the test itself, the program's output parsed,
and what ARGS must look like for a given command line (specs/ps.md).
"""
import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from osnet_harness.launch import children, proc_stat
from osnet_harness.timeouts import T

HOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "holder.py")

# specs/ps.md, "Interface": the tests' locale; COLUMNS unset (procps cuts
# its lines to COLUMNS when it is set).
PS_ENV = {"LC_ALL": "C.UTF-8", "COLUMNS": None, "LINES": None}

HEADER = [b"PID", b"PPID", b"STAT", b"COMMAND"]
# ARGS may be empty: a command line of one empty argument (argv = [""]),
# which procps shows as "?".
LINE_RE = re.compile(rb"^ *(\d+) +(\d+) +(\S+)(?: +(.*))?$", re.S)


# ---- /proc as the test reads it --------------------------------------------

def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def stat_fields(pid):
    """(comm, state, ppid, starttime) from /proc/PID/stat, or None."""
    st = proc_stat(pid)
    if st is None:
        return None
    comm, rest = st
    return comm, rest[0].decode(), int(rest[1]), int(rest[19])


def snapshot():
    """{pid: (starttime, comm, state, ppid, cmdline)} of every process now."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        f = stat_fields(name)
        cmd = read(f"/proc/{name}/cmdline")
        if f is None or cmd is None:
            continue
        out[int(name)] = (f[3], f[0], f[1], f[2], cmd)
    return out


def state(pid):
    f = stat_fields(pid)
    return f[1] if f else None


def wait_until(cond, what, timeout=None):
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


# ---- the program's output -----------------------------------------------------

class Parsed:
    """One run's stdout as lines, for ps's Listing and lsof's Output to
    parse: `lines` (empty when there was no output at all) and `problems`,
    to which a subclass adds what is wrong with its lines."""

    def __init__(self, r, empty="no output at all"):
        self.r = r
        self.problems = []
        self.lines = []
        out = r.stdout
        if not out:
            self.problems.append(empty)
            return
        if not out.endswith(b"\n"):
            self.problems.append(f"the output does not end in a newline: ...{out[-80:]!r}")
        self.lines = out.split(b"\n")
        if self.lines[-1] == b"":
            self.lines.pop()

    def where(self):
        return f"\n  reproduce: {self.r.repro()}"

    def well_formed(self, what="the run"):
        assert self.r.status == 0 and not self.r.stderr and not self.problems, (
            f"{what}: {self.r.describe()}, stderr {self.r.stderr[:500]!r}"
            + "".join(f"\n  {p}" for p in self.problems[:5]) + self.where())


class Listing(Parsed):
    """The parsed output of one run: rows {pid: [(ppid, stat, args, line)]},
    problems (lines that are not of the form of specs/ps.md "Interface")."""

    def __init__(self, r):
        super().__init__(r)
        self.rows = {}
        if not self.lines:
            return
        if self.lines[0].split() != HEADER:
            self.problems.append(f"header line {self.lines[0][:200]!r}: its words should be "
                                 f"PID PPID STAT COMMAND")
        for n, line in enumerate(self.lines[1:], 2):
            m = LINE_RE.match(line)
            if not m:
                self.problems.append(f"line {n} is not 'PID PPID STAT ARGS': {line[:200]!r}")
                continue
            pid = int(m.group(1))
            self.rows.setdefault(pid, []).append(
                (int(m.group(2)), m.group(3).decode("ascii", "replace"), m.group(4) or b"", line))

    def one(self, pid):
        """The single row of pid, or None when absent (two rows: an error)."""
        rows = self.rows.get(pid, [])
        if len(rows) > 1:
            raise AssertionError(f"PID {pid} is listed {len(rows)} times:\n" +
                                 "\n".join(f"  {x[3][:200]!r}" for x in rows) + self.where())
        return rows[0] if rows else None


def procps_line(pid):
    """What procps prints for pid (shown in failure messages), or ''."""
    if not shutil.which("ps"):
        return ""
    env = dict(os.environ, LC_ALL="C.UTF-8")
    env.pop("COLUMNS", None)
    try:
        out = subprocess.run(["ps", "-o", "pid,ppid,stat,args", "-p", str(pid)],
                             capture_output=True, env=env, timeout=T(10)).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = out.split(b"\n")
    return f"\n  procps prints:  {lines[1]!r}" if len(lines) > 1 and lines[1] else ""


# ---- what ARGS must be (specs/ps.md PS-006, PS-009, PS-010) ------------------

def _decode_items(arg):
    """Split bytes into ('ok', bytes) printable characters, ('c0', 1) control
    bytes, ('nl', 1) newlines, ('c1', 1) C1 characters and ('bad', n) runs
    of n bytes that are not valid UTF-8."""
    items = []
    i = 0
    while i < len(arg):
        try:
            items += [_classify(c) for c in arg[i:].decode("utf-8")]
            break
        except UnicodeDecodeError as e:
            items += [_classify(c) for c in arg[i:i + e.start].decode("utf-8")]
            n = e.end - e.start
            if items and items[-1][0] == "bad":
                items[-1] = ("bad", items[-1][1] + n)
            else:
                items.append(("bad", n))
            i += e.end
    return items


def _classify(c):
    o = ord(c)
    if o == 0x0a:
        return ("nl", 1)
    if o < 0x20 or o == 0x7f:
        return ("c0", 1)
    if 0x80 <= o <= 0x9f:
        return ("c1", 1)
    return ("ok", c.encode())


def args_pattern(cmdline):
    """A regex ARGS must match for this /proc/PID/cmdline: NULs as spaces,
    the last one dropped; a control byte one '?'; a newline ' ' or '?'; a
    C1 character one or two '?'; a run of n invalid bytes 1 to n '?'."""
    if cmdline.endswith(b"\0"):
        cmdline = cmdline[:-1]
    parts = []
    for k, arg in enumerate(cmdline.split(b"\0")):
        if k:
            parts.append(b" ")
        for kind, v in _decode_items(arg):
            if kind == "ok":
                parts.append(re.escape(v))
            elif kind == "c0":
                parts.append(rb"\?")
            elif kind == "nl":
                parts.append(rb"[ ?]")
            elif kind == "c1":
                parts.append(rb"\?{1,2}")
            else:
                parts.append(rb"\?{1,%d}" % v)
    return re.compile(b"".join(parts) + rb"\Z", re.S)


def comm_pattern(comm, defunct=False):
    """`[comm]` (or `[comm] <defunct>`), comm's bytes as in args_pattern."""
    inner = args_pattern(comm).pattern[:-2]  # drop \Z
    tail = rb" <defunct>" if defunct else b""
    return re.compile(rb"\[" + inner + rb"\]" + tail + rb"\Z", re.S)


# ---- processes the test starts ---------------------------------------------

class Holder:
    """A running holder.py: h.do("r = os.getpid()") -> the value of r."""

    def __init__(self, procs):
        self.procs = procs
        self.p = subprocess.Popen([sys.executable, HOLDER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  close_fds=True)
        self.pid = self.p.pid
        self.lock = threading.Lock()

    def do(self, code):
        with self.lock:
            self.p.stdin.write(repr(code).encode() + b"\n")
            self.p.stdin.flush()
            line = self.p.stdout.readline()
        if not line:
            raise AssertionError(f"the test's holder process {self.pid} died")
        v = ast.literal_eval(line.decode())
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "error":
            raise AssertionError(f"holder {self.pid}: {code!r} failed: {v[1]}")
        return v

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        # Its zombies and children: kill the whole family.
        for pid in children(self.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.p.kill()
        self.p.wait()


class Procs:
    """Processes a test starts; all killed and reaped after it."""

    def __init__(self):
        self.started = []
        self.holders = []

    def spawn(self, argv, wait_exec=True, **kw):
        """Popen(argv) with stdin a pipe (`sh -c 'read x'` blocks on it);
        returns the Popen once /proc/PID/cmdline is argv's (exec done)."""
        kw.setdefault("stdin", subprocess.PIPE)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(argv, **kw)
        self.started.append(p)
        if wait_exec:
            want = b"".join(os.fsencode(a) + b"\0" for a in argv)
            wait_until(lambda: read(f"/proc/{p.pid}/cmdline") == want,
                       f"process {p.pid} to exec {argv[:3]!r}...")
        return p

    def sleeper(self, *args):
        """A process blocked in `read` whose command line is
        /bin/sh -c 'read x' ARGS... (sh keeps its arguments)."""
        return self.spawn([b"/bin/sh", b"-c", b"read x"] + [os.fsencode(a) for a in args])

    def holder(self):
        h = Holder(self)
        self.holders.append(h)
        wait_until(lambda: h.do("r = 1"), "the holder to start")
        return h

    def close(self):
        for h in self.holders:
            h.close()
        for p in self.started:
            try:
                p.kill()
            except OSError:
                pass
            try:
                p.wait(timeout=T(10))
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdin, p.stdout, p.stderr):
                if f is not None:
                    try:
                        f.close()
                    except OSError:
                        pass


def run_ps(cli, **kw):
    """One run of the program with the tests' environment, parsed."""
    env = dict(PS_ENV)
    env.update(kw.pop("env", {}))
    return Listing(cli.run([], env=env, **kw))


class Churn:
    """Threads that start short-lived processes and reap them, nonstop."""

    def __init__(self, threads=3):
        self.stop = threading.Event()
        self.count = 0
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        while not self.stop.is_set():
            subprocess.run(["/bin/true"])
            self.count += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(T(10))


_CALL_START = re.compile(r"^(?:\[pid\s+\d+\]\s*|\d+\s+)?([A-Za-z_]\w*)\(")


def run_held(cli, args, strace, when, action, env=None):
    """Run the program under `strace` (a faults/inject.py Strace whose
    injections delay the `when`-th call of each name on the victim's paths,
    delay_enter); once the program is held in that call, do action();
    return the Result.

    Held means: the log's last line is a call that has started and not
    returned (strace writes a call's entry at once and its result when it
    returns, so a delayed call stays unfinished for the whole delay), and it
    is the `when`-th call of a delayed name in the log. Counting lines instead
    would be fooled by the reads and closes strace -P also logs, and by a
    program mixing open and openat (each has its own `when` counter)."""
    delayed = {i.split(":", 1)[0] for i in strace.injections}
    p = cli.start(args, env=env, wrap=strace.wrap())

    def held():
        if p.proc.poll() is not None:
            return True
        try:
            text = strace.log.read_text(errors="replace")
        except FileNotFoundError:
            return False
        lines = text.splitlines()
        if not lines or " = " in lines[-1]:
            return False
        if text.endswith("\n") and not lines[-1].endswith("<unfinished ...>"):
            return False
        m = _CALL_START.match(lines[-1])
        if not m or m.group(1) not in delayed:
            return False
        starts = [x for x in lines if (c := _CALL_START.match(x)) and c.group(1) == m.group(1)]
        return len(starts) == when
    wait_until(held, "the program to be held in a call on the victim's /proc files", T(30))
    action()
    return p.wait()


@pytest.fixture
def procs():
    """The processes a test starts (sleepers, holders): killed and reaped
    after it. The ps and lsof conftests (conformance and faults) import it."""
    p = Procs()
    yield p
    p.close()
