"""Reading an `strace -f -qq -o LOG` log into calls the tests can reason about.

strace prints one line per call; with -f, a call that blocks while another
thread or process runs is split in two lines:

    27350 clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=5},  <unfinished ...>
    27349 write(1, "x", 1)                  = 1
    27350 <... clock_nanosleep resumed>NULL) = 0

parse() joins the halves into one Call, ordered by where the call started.
Arguments are split at top-level commas (strings with escapes, {...},
[...] and (...) nested), so `read(3, "a, b) = 2"..., 4096) = 9` gives
['3', '"a, b) = 2"...', '4096'] and 9. Signal (`--- SIG...`) and exit
(`+++ ...`) lines are skipped. Used by the syscalls and sumsq tests.

Strace runs a program under strace, tracing (and, for the fault
scenarios, failing) the calls a test names; faults/inject.py adds aim().
"""
import os
import pathlib
import re
import shutil

_LINE = re.compile(r"^(?:(?:\[pid\s+)?(\d+)\]?\s+)?(.*)$")
_START = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\((.*)$")
_RESUMED = re.compile(r"^<\.\.\. ([A-Za-z_][A-Za-z0-9_]*) resumed>\s?(.*)$")
_UNFINISHED = " <unfinished ...>"
_RET = re.compile(r"^\s*=\s*(\S+)(?:\s+(E[A-Z0-9_]+|ERESTART[A-Z_]*))?")


class Call:
    """One system call: pid, name, args (top-level argument strings),
    ret (the returned integer, None for `?` or a call that never
    finished), err ("EINTR"...), injected (strace tampered with it),
    index (its start's position in the log), line (the text, joined)."""

    def __init__(self, pid, name, index, body):
        self.pid, self.name, self.index = pid, name, index
        self.args, rest = split_args(body)
        self.line = f"{pid} {name}({body}" if pid is not None else f"{name}({body}"
        self.finished = rest is not None
        self.ret, self.err = None, None
        self.injected = rest is not None and "(INJECTED)" in rest
        if rest is not None:
            m = _RET.match(rest)
            if m:
                self.ret = to_int(m.group(1))
                self.err = m.group(2)

    def ok(self):
        """Finished without an error (ret not -1, not injected)."""
        return self.finished and self.err is None and self.ret is not None \
            and self.ret >= 0 and not self.injected

    def arg_int(self, i):
        """Argument i as an integer (None if absent or not a number)."""
        return to_int(self.args[i]) if i < len(self.args) else None

    def __repr__(self):
        return self.line


def to_int(text):
    text = text.strip()
    try:
        return int(text, 0)
    except ValueError:
        return None


def split_args(body):
    """'3, "x", 10) = 2' -> (['3', '"x"', '10'], ' = 2'); without the
    closing parenthesis (a call cut short): (args so far, None)."""
    args, cur, depth, i, n = [], [], 0, 0, len(body)
    closers = {"(": ")", "{": "}", "[": "]"}
    while i < n:
        c = body[i]
        if c == '"':
            j = i + 1
            while j < n and body[j] != '"':
                j += 2 if body[j] == "\\" else 1
            cur.append(body[i:j + 1])
            i = j + 1
            continue
        if c in closers:
            depth += 1
        elif c in ")}]":
            if depth == 0 and c == ")":
                last = "".join(cur).strip()
                if last or args:
                    args.append(last)
                return args, body[i + 1:]
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    last = "".join(cur).strip()
    if last:
        args.append(last)
    return args, None


def parse_text(text):
    """The calls of a log's text, in the order they started."""
    calls, pending = [], {}
    for index, raw in enumerate(text.splitlines()):
        m = _LINE.match(raw.rstrip("\n"))
        pid = int(m.group(1)) if m.group(1) else None
        rest = m.group(2)
        if rest.startswith(("---", "+++")) or not rest:
            continue
        r = _RESUMED.match(rest)
        if r:
            name, tail = r.group(1), r.group(2)
            start = pending.pop((pid, name), None)
            if start is None:  # its start was not logged (attach): keep what we have
                calls.append((index, Call(pid, name, index, tail)))
            else:
                sidx, head = start
                calls.append((sidx, Call(pid, name, sidx, head + tail)))
            continue
        s = _START.match(rest)
        if not s:
            continue  # a line strace wrote about itself
        name, body = s.group(1), s.group(2)
        if body.endswith(_UNFINISHED):
            pending[(pid, name)] = (index, body[:-len(_UNFINISHED)])
            continue
        calls.append((index, Call(pid, name, index, body)))
    for (pid, name), (sidx, head) in pending.items():
        calls.append((sidx, Call(pid, name, sidx, head)))  # never finished (killed)
    calls.sort(key=lambda t: t[0])
    return [c for _, c in calls]


def parse(path):
    """The calls of the log file at path (see parse_text)."""
    with open(path, errors="replace") as f:
        return parse_text(f.read())


_TIMESPEC = re.compile(r"\{\s*tv_sec=(-?\d+),\s*tv_nsec=(-?\d+)\s*\}")


def timespec_ns(arg):
    """'{tv_sec=1, tv_nsec=5}' -> 1000000005 (None if not a timespec)."""
    m = _TIMESPEC.search(arg or "")
    if not m:
        return None
    return int(m.group(1)) * 1_000_000_000 + int(m.group(2))


def clone_flags(call):
    """The flags of a clone/clone3 call as a set of names ({} for fork and
    vfork, which have none)."""
    if call.name == "clone":
        for a in call.args:
            if a.startswith("flags="):
                return set(a[len("flags="):].split("|"))
        return set()
    if call.name == "clone3" and call.args:
        m = re.search(r"flags=([A-Z0-9_|]+)", call.args[0])
        return set(m.group(1).split("|")) if m else set()
    return set()


def creates_process(call):
    """True for a successful fork/vfork/clone/clone3 that made a process
    (not a thread: no CLONE_THREAD). The child's pid is call.ret."""
    if call.name not in ("fork", "vfork", "clone", "clone3") or not call.ok():
        return False
    return "CLONE_THREAD" not in clone_flags(call)


def creates_thread(call):
    """True for a successful clone/clone3 with CLONE_THREAD."""
    return call.name in ("clone", "clone3") and call.ok() \
        and "CLONE_THREAD" in clone_flags(call)


def waited_pid(call):
    """The pid a successful wait4/waitid reaped or reported (None if none)."""
    if not call.ok():
        return None
    if call.name == "wait4":
        return call.ret if call.ret and call.ret > 0 else None
    if call.name == "waitid":
        m = re.search(r"si_pid=(\d+)", " ".join(call.args))
        return int(m.group(1)) if m and int(m.group(1)) > 0 else None
    return None


def unreaped(calls):
    """Processes created in the log that their creator never waited for:
    a list of (creator pid, child pid)."""
    created = [(c.pid, c.ret) for c in calls if creates_process(c)]
    reaped = {}
    for c in calls:
        p = waited_pid(c)
        if p is not None:
            reaped.setdefault(p, set()).add(c.pid)
    # A waiter may be another thread of the creator: strace -f shows thread
    # ids, so accept any waiter that is not the child itself.
    return [(parent, child) for parent, child in created
            if not (reaped.get(child, set()) - {child})]


class Strace:
    """strace as a wrapper that injects errors into chosen system calls."""

    def __init__(self, workdir, injections, trace=None, paths=()):
        """injections: list of 'syscall[,syscall]:error=ERRNO[:when=EXPR]'.
        paths: trace (and so inject into) only the calls on these paths
        (strace -P; a descriptor counts as its file's path), e.g. the 3rd
        read of one file among several."""
        self.paths = [str(p) for p in paths]
        self.log = pathlib.Path(workdir) / "strace.log"
        syscalls = set()
        for inj in injections:
            syscalls.update(inj.split(":", 1)[0].split(","))
        self.trace = sorted(set(trace or ()) | syscalls)
        self.injections = injections

    def wrap(self):
        exe = shutil.which("strace")
        if not exe:
            raise RuntimeError("strace is not installed (tools/install-deps installs it)")
        # --seccomp-bpf stops the tracee only on the traced calls (much faster);
        # -qq keeps attach/exit chatter out of the log.
        cmd = [exe, "-f", "-qq", "--seccomp-bpf", "-o", str(self.log),
               "-e", "trace=" + ",".join(self.trace)]
        for inj in self.injections:
            cmd += ["-e", "inject=" + inj]
        for p in self.paths:
            cmd += ["-P", p]
        if "ASAN_OPTIONS" in os.environ:
            # LeakSanitizer cannot run under a tracer: at exit it would fail
            # ("does not work under ptrace") instead of checking (make sanitize).
            cmd += ["-E", f"ASAN_OPTIONS={os.environ['ASAN_OPTIONS']}:detect_leaks=0"]
        return cmd

    def injected(self, syscall=None):
        """How many calls (of `syscall`, or any) strace says it tampered with."""
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return 0
        n = 0
        for line in text.splitlines():
            if "(INJECTED)" in line and (syscall is None or re.search(rf"\b{syscall}\(", line)):
                n += 1
        return n

    def calls(self, syscall):
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return 0
        return len(re.findall(rf"\b{syscall}\(", text))

    def first_call_on(self, names):
        """In the log of a run (a dry run without injections), the first
        call whose first string argument is one of `names`, as
        (syscall, n): it was the n-th call of that syscall in the log. With
        -P naming both a file and its directory, `names` holds the file's
        full path and its name relative to the directory
        (openat(DIRFD, "stat")), and `{syscall}:...:when={n}` then fails
        exactly that call in a run that makes the same calls in the same
        order. None if no such call."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return None
        seen = {}
        for line in lines:
            m = re.match(r'^(?:\d+\s+)?([a-z_0-9]+)\((.*)$', line)
            if not m:
                continue  # resumed halves, signals, exits
            name = m.group(1)
            seen[name] = seen.get(name, 0) + 1
            s = re.search(r'"((?:[^"\\]|\\.)*)"', m.group(2))
            if s and s.group(1) in names:
                return name, seen[name]
        return None
