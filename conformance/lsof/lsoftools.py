"""What the lsof tests share: the program's output parsed, and what the
kernel says a process's descriptors are (specs/lsof.md, "Interface")."""
import os
import re
import stat

from ps.pstools import Parsed

HEADER = b"PID FD TYPE NAME"
LINE_RE = re.compile(rb"^(\d+) (\d+) (\S+) (.+)$", re.S)
TYPES = [(stat.S_ISREG, "REG"), (stat.S_ISDIR, "DIR"), (stat.S_ISCHR, "CHR"),
         (stat.S_ISBLK, "BLK"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "SOCK"),
         (stat.S_ISLNK, "LNK")]


def shown(name):
    """NAME as the program must print it: control bytes as '?'."""
    return bytes(0x3f if c < 0x20 or c == 0x7f else c for c in name)


def kind(pid, fd, target):
    try:
        mode = os.stat(f"/proc/{pid}/fd/{fd}").st_mode
        for test, t in TYPES:
            if test(mode):
                return t
    except OSError:
        pass
    return "a_inode" if target.startswith(b"anon_inode:") else "unknown"


def expected(pid):
    """[(fd, TYPE, NAME as shown)] of a process that holds still, in order."""
    out = []
    for fd in sorted(int(x) for x in os.listdir(f"/proc/{pid}/fd")):
        target = os.readlink(f"/proc/{pid}/fd/{fd}".encode())
        out.append((fd, kind(pid, fd, target), shown(target)))
    return out


class Output(Parsed):
    """One run's output: rows [(pid, fd, type, name, line)], problems."""

    def __init__(self, r):
        super().__init__(r, "no output at all (not even the header)")
        self.rows = []
        if not self.lines:
            return
        if self.lines[0] != HEADER:
            self.problems.append(f"header {self.lines[0][:100]!r}, should be {HEADER!r}")
        for n, line in enumerate(self.lines[1:], 2):
            m = LINE_RE.match(line)
            if not m:
                self.problems.append(f"line {n} is not 'PID FD TYPE NAME' (single spaces): "
                                     f"{line[:200]!r}")
                continue
            self.rows.append((int(m.group(1)), int(m.group(2)), m.group(3).decode("ascii",
                              "replace"), m.group(4), line))

    def of(self, pid):
        """[(fd, TYPE, NAME)] listed for pid, in output order."""
        return [(fd, t, name) for p, fd, t, name, _ in self.rows if p == pid]

    def check_rest(self, pid, before, gone, what):
        """The descriptors of pid not in `gone` must be listed as in
        `before` ([(fd, TYPE, NAME)], read before they went), and those in
        `gone` either left out or listed as they were: nothing made up."""
        kept = [w for w in before if w[0] not in gone]
        got = [g for g in self.of(pid) if g[0] not in gone]
        assert got == kept, (f"{what}: the other descriptors should be listed as before: "
                             f"expected {kept}, listed {got}{self.where()}")
        wrong = [g for g in self.of(pid) if g[0] in gone and g not in before]
        assert not wrong, f"{what}: vanished descriptors listed wrongly: {wrong}{self.where()}"

    def check_process(self, pid, want, what=""):
        """The lines of pid must be exactly want ([(fd, TYPE, NAME)])."""
        got = self.of(pid)
        if got == want:
            return
        gotd, wantd = {g[0]: g for g in got}, {w[0]: w for w in want}
        lines = [f"process {pid}{' (' + what + ')' if what else ''}: its lines differ from "
                 f"/proc/{pid}/fd (readlink, stat):"]
        missing = [fd for fd in wantd if fd not in gotd]
        extra = [fd for fd in gotd if fd not in wantd]
        if missing:
            lines.append(f"  fds not listed: {missing[:20]}")
        if extra:
            lines.append(f"  fds listed that it does not have: {extra[:20]}")
        if len(got) != len(gotd):
            lines.append("  some fd listed twice")
        for fd in wantd:
            if fd in gotd and gotd[fd] != wantd[fd]:
                lines.append(f"  fd {fd}: listed {fmt(gotd[fd])}")
                lines.append(f"  {' ' * len(str(fd))}    expected {fmt(wantd[fd])}")
                if len(lines) > 12:
                    break
        if not missing and not extra and len(lines) == 1:
            lines.append(f"  the order: listed {[g[0] for g in got][:30]}, expected ascending "
                         f"{[w[0] for w in want][:30]}")
        raise AssertionError("\n".join(lines) + self.where())


def denied_pids():
    """PIDs whose descriptors even the test (root) may not read: EACCES on
    /proc/PID/fd or a readlink in it (e.g. PID 1 holding capabilities outside
    our bounding set). A program lists them per LSOF-015: with a message."""
    out = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{d}/fd"):
                os.readlink(f"/proc/{d}/fd/{fd}")
        except PermissionError:
            out.add(int(d))
        except OSError:
            pass
    return out


def denied_or_gone(line, denied):
    """Whether a message of a run without operands names /proc/PID/fd of a
    process the test may not read either, or of one that has ended since
    (a short-lived process of the machine's own, denied while it lived:
    what it held can no longer be checked). A process that ended while it
    was listed is no error at all (LSOF-014): that message stays wrong."""
    m = re.search(rb"/proc/(\d+)/fd", line)
    if not m:
        return False
    pid = int(m.group(1))
    return pid in denied or (b"Permission denied" in line
                             and not os.path.exists(f"/proc/{pid}"))


def check_whole_run(out, what):
    """A run without operands: exit 0 and nothing on stderr, or, if some
    process's descriptors cannot be read (denied_pids), exit 1 and only
    messages naming those (LSOF-015)."""
    r = out.r
    denied = denied_pids() if r.stderr else set()
    bad = [line for line in r.stderr.splitlines() if not denied_or_gone(line, denied)]
    ok = not out.problems and not bad and r.status == (1 if r.stderr else 0)
    assert ok, (f"{what}: {r.describe()}, stderr {r.stderr[:500]!r}"
                + "".join(f"\n  {p}" for p in out.problems[:5])
                + (f"\n  messages about anything but unreadable /proc/PID/fd: {bad[:3]!r}"
                   if bad else "") + out.where())


def fmt(row):
    name = row[2]
    return f"{row[1]} {name[:200]!r}{'...' if len(name) > 200 else ''}"
