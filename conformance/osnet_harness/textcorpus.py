"""The text corpus of the cat and grep suites, and their differential check.

`corpus()` builds, once per test process, a directory of generated files
(seeded, so every run sees the same bytes): mixed-case text, an empty file,
a last line without newline, CRLF, bytes 0x80-0xFF and invalid UTF-8, 1 MB
lines, lines straddling every power-of-two offset, a small binary file, many
lines, and a tree for `-r` with symbolic links inside. No name contains `:`,
so output prefixes split cleanly. Tests only read it.

`Differ(cli, "grep")` runs the program under test and GNU grep (or cat) with
the same arguments, working directory and standard input, and compares
stdout bytes, exit status, and stderr lines with the program name (the text
before the first ": ") replaced by PROG. `check(req, cases)` runs many cases
and fails on the first difference with a report: both command lines, which
of stdout / stderr / status differ, and where stdout first differs.
"""
import atexit
import fcntl
import os
import pathlib
import random
import re
import select
import shlex
import shutil
import struct
import subprocess
import tempfile
import termios
import threading
import time

import pytest

from .net import describe_diff
from .launch import describe_status
from .timeouts import T

# The oracles, by absolute path (Debian 12: /bin is /usr/bin).
GNU = {"grep": "/usr/bin/grep", "cat": "/usr/bin/cat"}
GNU_NAME = {"grep": "GNU grep 3.8", "cat": "GNU cat 9.1"}

SEED = 8
_built = {}

# Words of the text files: the patterns the tests use occur in several
# cases and positions, at the start and end of lines, twice in a line.
WORDS = [b"hello", b"Hello", b"HELLO", b"hElLo", b"world", b"World", b"say", b"the",
         b"needle", b"Needle", b"hay", b"foo", b"bar", b"-x", b"a.b", b"axb", b"[x]",
         b"x*", b"^start", b"end$", b"back\\slash", b"caf\xc3\xa9", b"\xc9t\xe9",
         b"\xff\xfe", b"tab\tbed", b"hel", b"lo", b"helloworld", b"HelloHello"]


def _text_lines(rng, n, blanks=True):
    lines = []
    for _ in range(n):
        k = rng.randrange(0, 7)
        if k == 0 and blanks and rng.random() < 0.5:
            lines.append(b"")
            continue
        lines.append(b" ".join(rng.choice(WORDS) for _ in range(max(k, 1))))
    return lines


def _bounds(rng, top=1 << 20):
    """Lines whose newlines and whose 'needle's straddle every power-of-two
    offset from 64 to `top`: the input split by any buffer size of a power
    of two cuts a line or a match somewhere."""
    out = bytearray()
    target = 64
    kind = 0
    while target <= top:
        # Ordinary lines up to a little before the target.
        while len(out) < target - 200:
            n = rng.randrange(1, min(150, target - 200 - len(out) + 2))
            out += (b"x" * (n - 1)) + (b"\n" if rng.random() < 0.7 else b" hello\n")
        gap = target - len(out)
        if kind % 3 == 0:      # 'needle' starts 3 bytes before the offset
            out += b"a" * (gap - 3) + b"needle here\n"
        elif kind % 3 == 1:    # a newline is the last byte before the offset
            out += b"b" * (gap - 7) + b"needle\n" + b"needle starts here\n"
        else:                  # a newline is the first byte after it
            out += b"c" * (gap - 6) + b"needle\n" + b"\nafter\n"
        kind += 1
        target *= 2
    out += b"tail hello\n"
    return bytes(out)


def _binary():
    """A file with NUL bytes, smaller than 32 KiB. Each line holds the
    words the tests look for in at most one of its NUL-separated parts, so
    that GNU grep's counts do not depend on treating NUL as a line end."""
    lines = [b"text before hello", b"abc\0def", b"more Hello here", b"\0\0zero",
             b"needle\0tail", b"x" * 3000, b"world\0"]
    return b"\n".join(lines * 3) + b"\n"


def _files(rng):
    f = {}
    for name, n in (("a.txt", 60), ("b.txt", 45), ("c.txt", 30)):
        f[name] = b"\n".join(_text_lines(rng, n)) + b"\n"
    f["empty.txt"] = b""
    f["one.txt"] = b"hello\n"
    f["nonl.txt"] = b"first hello\nsecond line\nlast hello world"
    f["nonl2.txt"] = b"continued here\nsecond of nonl2\n"
    f["blanklines.txt"] = b"\n\n\nfoo\n\n\nbar\n\n\n\n"
    f["blankstart.txt"] = b"\n\nstart\tblank\n\n"
    f["crlf.txt"] = b"hello\r\nworld\r\n\r\nHello there\r\nend\r"
    f["cr-end.txt"] = b"line then cr\r"
    f["lf-start.txt"] = b"\nnext\r\n"
    f["tabs.txt"] = b"\tleading\ninside\ttab\n\t\t\ntrailing\t\n"
    f["high.txt"] = (b"\xc9t\xe9 HELLO \xe9t\xc9\n" + b"caf\xc3\xa9 hello\n" +
                     b"\xff\xfe\xfd invalid \xc3 utf8 \xe0\x80\n" + bytes(range(1, 10)) +
                     bytes(range(11, 256)) + b"\n" + b"\x80hello\xff\n" + b"plain\n")
    f["long.txt"] = (b"a" * (1 << 20) + b"hello\n" + b"short hello\n" + b"b" * 500000 +
                     b"needle" + b"b" * 600000 + b"\n" + b"c" * (1 << 20) + b"\n")
    f["bounds.txt"] = _bounds(rng)
    f["bin.dat"] = _binary()
    f["bin-nomatch.dat"] = b"nothing here\0at all\n" * 10
    many = bytearray()
    for i in range(40000):
        many += b"line %d %s\n" % (i, rng.choice(WORDS))
    f["many.txt"] = bytes(many)
    f["million.txt"] = b"x\n" * 1000005  # cat -n: numbers of seven digits
    f["with space.txt"] = b"a file name with a space\nhello space\n"
    f["-dash.txt"] = b"a file name starting with a dash\n-x marks\nhello dash\n"
    f["dash-x.txt"] = b"-x first\nno dash\n--double\n"
    return f


def _tree(root, rng):
    """tree/ for -r: nested directories, an empty one, a binary file, and
    symbolic links inside (to a file, to a directory, a broken one), which
    -r must not follow; plus links to it from the corpus's top level,
    which -r must follow when given as operands."""
    t = root / "tree"
    for d in ("sub/deeper", "empty-dir", "other"):
        (t / d).mkdir(parents=True)
    (t / "top.txt").write_bytes(b"top hello\nTop line\n")
    (t / "sub" / "one.txt").write_bytes(b"\n".join(_text_lines(rng, 20)) + b"\n")
    (t / "sub" / "deeper" / "two.txt").write_bytes(b"deep hello\ndeep HELLO\nnothing\n")
    (t / "sub" / "deeper" / "nonl.txt").write_bytes(b"deep needle no newline")
    (t / "other" / "bin.dat").write_bytes(_binary())
    (t / "other" / "crlf.txt").write_bytes(b"hello\r\n\r\n")
    (t / "other" / "empty.txt").write_bytes(b"")
    os.symlink("../top.txt", t / "sub" / "link-file.txt")
    os.symlink("sub", t / "link-dir")
    os.symlink("nowhere.txt", t / "broken.txt")
    os.symlink("tree", root / "dirlink")
    os.symlink("a.txt", root / "filelink.txt")


class Corpus:
    """The generated files: `root` (a pathlib.Path), `files` name -> bytes
    of the top-level regular files, and the name lists the tests pick from."""

    def __init__(self, root, files):
        self.root, self.files = root, files
        # The small text files, each with its own trap.
        self.text = ["a.txt", "b.txt", "nonl.txt", "nonl2.txt", "crlf.txt", "high.txt",
                     "tabs.txt", "blanklines.txt", "blankstart.txt", "empty.txt",
                     "cr-end.txt", "lf-start.txt"]

    def path(self, name):
        return self.root / name


def corpus():
    """The corpus of this process (built on first use, removed at exit)."""
    if "c" not in _built:
        root = pathlib.Path(tempfile.mkdtemp(prefix="osnet-textcorpus-"))
        atexit.register(shutil.rmtree, root, True)
        rng = random.Random(SEED)
        files = _files(rng)
        for name, data in files.items():
            (root / name).write_bytes(data)
        _tree(root, rng)
        _built["c"] = Corpus(root, files)
    return _built["c"]


def big_line_file(size=100 << 20):
    """A file whose second line is `size` bytes long with 'needle' near its
    end, built once per process next to the corpus."""
    key = ("big", size)
    if key not in _built:
        d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bigline-"))
        atexit.register(shutil.rmtree, d, True)
        p = d / "bigline.txt"
        chunk = b"abcdefghij" * 104857  # ~1 MB
        with open(p, "wb") as f:
            f.write(b"first hello\n")
            left = size - 20
            while left > 0:
                piece = chunk[:min(len(chunk), left)]
                f.write(piece)
                left -= len(piece)
            f.write(b"needle tail\n")
            f.write(b"last hello\n")
        _built[key] = p
    return _built[key]


def feed_in_pieces(fd, data, sizes):
    """Write data to the pipe in pieces, each after the program has read
    the previous one (the pipe is empty), so its reads end where the
    pieces do. Gives up when the reader is gone."""
    pos, i = 0, 0
    try:
        while pos < len(data):
            n = sizes[i % len(sizes)]
            i += 1
            os.write(fd, data[pos:pos + n])
            pos += n
            deadline = time.monotonic() + T(5)
            while time.monotonic() < deadline:
                left = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                if left == 0:
                    break
                time.sleep(0.0002)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# The differential check


def norm_stderr(data, drop_strace=False):
    """stderr as a list of lines, each with its program name (the text
    before the first ': ') replaced by PROG."""
    out = []
    for line in data.split(b"\n"):
        if not line:
            continue
        if drop_strace and line.startswith(b"strace: "):
            continue
        head, sep, rest = line.partition(b": ")
        out.append(b"PROG: " + rest if sep else line)
    return out


def shell_word(arg):
    """One argument as bash would need it typed: plain when safe, else in
    quotes, with $'\\xNN' escapes for newlines, control bytes and bytes
    0x80-0xFF (so reports stay ASCII and paste back exactly)."""
    b = os.fsencode(arg)
    if all(32 <= c < 127 for c in b):
        return shlex.quote(b.decode())
    out = []
    for c in b:
        if c == 0x27 or c == 0x5c:
            out.append("\\" + chr(c))
        elif 32 <= c < 127:
            out.append(chr(c))
        elif c == 10:
            out.append("\\n")
        elif c == 9:
            out.append("\\t")
        elif c == 13:
            out.append("\\r")
        else:
            out.append(f"\\x{c:02x}")
    return "$'" + "".join(out) + "'"


def repro(res):
    """The shell line of a run (the cli's Result or GNU's Ran), ASCII only."""
    env = getattr(res, "env_shown", None) or {"LC_ALL": "C"}
    envs = " ".join(f"{k}={shell_word(v)}" for k, v in env.items())
    line = f"cd {shell_word(str(res.cwd))} && {envs} {' '.join(shell_word(a) for a in res.argv)}"
    line += f" < {res.stdin_desc}" if res.stdin_desc else ""
    return line + (f" {res.stdout_desc}" if getattr(res, "stdout_desc", "") else "")


class Ran:
    """What GNU's program did (the same fields as cli's Result)."""

    def __init__(self, argv, cwd, status, stdout, stderr, stdin_desc):
        self.argv, self.cwd = argv, cwd
        self.status, self.stdout, self.stderr = status, stdout, stderr
        self.stdin_desc = stdin_desc

    def describe(self):
        return describe_status(self.status)

    def repro(self):
        return repro(self)


def run_gnu(tool, args, cwd, stdin=None, stdout=None, timeout=None, wrap=()):
    """Run GNU `tool` as the cli fixture runs the program: own session,
    LC_ALL=C, stdin /dev/null unless given (bytes or a path), stdout
    captured unless a path is given, under `wrap` (strace) if any."""
    argv = list(wrap) + [GNU[tool]] + [os.fspath(a) for a in args]
    env = dict(os.environ, LC_ALL="C")
    kw = {}
    desc = "/dev/null"
    if isinstance(stdin, (bytes, bytearray)):
        kw["input"] = bytes(stdin)
        desc = "(the same bytes)"
    elif stdin is None:
        kw["stdin"] = subprocess.DEVNULL
    else:
        kw["stdin"] = open(os.fspath(stdin), "rb")
        desc = shlex.quote(os.fspath(stdin))
    out = subprocess.PIPE if stdout is None else open(os.fspath(stdout), "wb")
    try:
        p = subprocess.run(argv, cwd=str(cwd), env=env, stdout=out, stderr=subprocess.PIPE,
                           start_new_session=True, timeout=timeout or T(60), **kw)
    finally:
        if "stdin" in kw and hasattr(kw["stdin"], "close"):
            kw["stdin"].close()
        if stdout is not None:
            out.close()
    ran = Ran(argv, cwd, p.returncode, p.stdout or b"", p.stderr, desc)
    ran.stdout_desc = f"> {shlex.quote(os.fspath(stdout))}" if stdout is not None else ""
    return ran


WRITE_ERROR = b"PROG: write error: No space left on device"


def write_error_diffs(tool, got, args, cwd):
    """Differences, as report lines, between the program's run with stdout
    /dev/full and what GNU `tool` shows the same arguments require: the
    same status; `PROG: write error: No space left on device` when GNU
    says it (and not when GNU writes nothing, e.g. -q or no match); and
    no other line but those GNU writes for these arguments when stdout is
    /dev/full or a pipe (a binary file's message, an error about another
    operand), which may or may not appear depending on when the program
    first flushes its output (GNU buffers it; a program writing earlier
    dies first). Returns (diffs, GNU's /dev/full run)."""
    full = run_gnu(tool, args, cwd, stdout="/dev/full")
    normal = run_gnu(tool, args, cwd)
    gname = GNU_NAME[tool]
    want = norm_stderr(full.stderr)
    lines = norm_stderr(got.stderr)
    allowed = set(want) | set(norm_stderr(normal.stderr))
    diffs = []
    if got.status != full.status:
        diffs.append(f"exit status {got.status} ({got.describe()}), {gname}'s: {full.status}")
    if WRITE_ERROR in want and WRITE_ERROR not in lines:
        diffs.append(f"stderr lacks {WRITE_ERROR.decode()!r} (PROG: the program's name): "
                     f"{_show_lines(lines)}")
    other = [x for x in lines if x not in allowed]
    if other:
        diffs.append(f"stderr lines that {gname} writes in no run with these arguments: "
                     f"{_show_lines(other)} ({gname} with /dev/full: {_show_lines(want)})")
    if lines.count(WRITE_ERROR) > 1:
        diffs.append(f"the write error is reported {lines.count(WRITE_ERROR)} times")
    return diffs, full


def group_by_name(stdout):
    """-r output, whose file order is unspecified: {name: [lines...]} (the
    corpus's names hold no ':'), lines without a name under None."""
    groups = {}
    for line in stdout.split(b"\n")[:-1] if stdout.endswith(b"\n") else stdout.split(b"\n"):
        name, sep, _ = line.partition(b":")
        key = name if sep else None
        groups.setdefault(key, []).append(line)
    if None in groups:
        groups[None].sort()
    return groups


def _show_lines(lines, limit=6):
    shown = [repr(x)[2:-1] for x in lines[:limit]]
    more = f" ... ({len(lines) - limit} more)" if len(lines) > limit else ""
    return "[" + ", ".join(shown) + "]" + more


def compare(tool, got, exp, unordered=False, drop_strace=False, stderr_unordered=False):
    """Differences between the program's Result and GNU's, as report lines
    (empty when they agree)."""
    diffs = []
    gname = GNU_NAME[tool]
    if unordered:
        ga, gb = group_by_name(got.stdout), group_by_name(exp.stdout)
        if ga != gb or got.stdout.endswith(b"\n") != exp.stdout.endswith(b"\n"):
            missing = sorted(set(gb) - set(ga), key=str)
            extra = sorted(set(ga) - set(gb), key=str)
            diffs.append("stdout differs (compared per file name, in any file order):")
            if missing:
                diffs.append(f"  files only in {gname}'s output: {_show_lines(missing)}")
            if extra:
                diffs.append(f"  files only in the program's output: {_show_lines(extra)}")
            for k in sorted(set(ga) & set(gb), key=str):
                if ga[k] != gb[k]:
                    diffs.append(f"  lines of {k!r} differ:\n    "
                                 + describe_diff(b"\n".join(gb[k]), b"\n".join(ga[k]))
                                 .replace("\n", "\n    "))
                    break
    elif got.stdout != exp.stdout:
        diffs.append("stdout differs (expected = " + gname + "'s):\n  "
                     + describe_diff(exp.stdout, got.stdout).replace("\n", "\n  "))
    if got.status != exp.status:
        diffs.append(f"status differs: the program: {describe_status(got.status)}; "
                     f"{gname}: {describe_status(exp.status)}")
    ea = norm_stderr(got.stderr, drop_strace)
    eb = norm_stderr(exp.stderr, drop_strace)
    if stderr_unordered:
        ea, eb = sorted(ea), sorted(eb)
    if ea != eb:
        diffs.append(f"stderr lines differ (program name replaced by PROG):\n"
                     f"  {gname}: {_show_lines(eb)}\n  program:     {_show_lines(ea)}")
    return diffs


class Differ:
    """Runs a case through the program under test and GNU `tool`."""

    def __init__(self, cli, tool, cwd=None):
        self.cli, self.tool = cli, tool
        self.cwd = cwd or corpus().root

    def run(self, args, stdin=None, cwd=None):
        cwd = cwd or self.cwd
        got = self.cli.run(args, stdin=stdin, cwd=cwd)
        exp = run_gnu(self.tool, args, cwd, stdin=stdin)
        return got, exp

    def one(self, args, stdin=None, cwd=None, unordered=False, label=None):
        """Report lines for one case (empty list: same as GNU)."""
        got, exp = self.run(args, stdin=stdin, cwd=cwd)
        diffs = compare(self.tool, got, exp, unordered=unordered, stderr_unordered=unordered)
        if not diffs:
            return []
        head = [f"case: {label}" if label else f"case: {' '.join(map(shell_word, args))}",
                f"  reproduce: {repro(got)}",
                f"  {GNU_NAME[self.tool]}: {exp.repro()}"]
        if isinstance(stdin, (bytes, bytearray)):
            head.append(f"  stdin: {len(stdin)} bytes: {bytes(stdin[:80])!r}"
                        + ("..." if len(stdin) > 80 else ""))
        return head + diffs

    def check(self, req, cases, unordered=False, cwd=None):
        """Run every case (args, or (args, stdin)) in `cwd` (default: the
        corpus); fail on the first that differs from GNU. `unordered`: the
        order of files in the output is free (-r). Returns how many ran."""
        n = 0
        for case in cases:
            args, stdin = (case, None) if isinstance(case, list) else case
            n += 1
            report = self.one(args, stdin=stdin, cwd=cwd, unordered=unordered)
            if report:
                pytest.fail(f"{req}: case {n} differs from {GNU_NAME[self.tool]} "
                            f"(the {n - 1} before it agreed)\n" + "\n".join(report),
                            pytrace=False)
        assert n, "no cases"
        return n


# ---------------------------------------------------------------------------
# Fault scenarios shared by faults/cat and faults/grep


def bytes_read_before_injection(log_path):
    """From an strace log of read() calls on one file (strace -P): the
    bytes the successful reads returned before the first injected one."""
    total = 0
    for line in pathlib.Path(log_path).read_text(errors="replace").splitlines():
        if "(INJECTED)" in line:
            return total
        if "read(" in line or "read resumed>" in line:
            m = re.search(r"\) = (\d+)\s*$", line)
            if m:
                total += int(m.group(1))
    return None


def fault_files(workdir, names, big="big.txt", copies=3):
    """A folder with the corpus files `names` and `big`: many.txt `copies`
    times (about 0.6 MB each), so that any buffer up to 512 KiB takes more
    than two read() calls."""
    c = corpus()
    d = pathlib.Path(workdir) / "files"
    d.mkdir(exist_ok=True)
    for n in names:
        (d / n).write_bytes(c.files[n])
    (d / big).write_bytes(c.files["many.txt"] * copies)
    return d


def big_text_dir(copies=40):
    """A folder holding big.txt, many.txt `copies` times (about 24 MB for
    40), built once per process like big_line_file; tests only read it."""
    key = ("bigtext", copies)
    if key not in _built:
        d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bigtext-"))
        atexit.register(shutil.rmtree, d, True)
        (d / "big.txt").write_bytes(corpus().files["many.txt"] * copies)
        _built[key] = d
    return _built[key]


def first_line_then_close(proc, timeout):
    """Read stdout of a started Proc up to its first newline, then close
    the pipe (the reader going away, as `| head -1`). Returns the bytes
    read, or None when no line came within `timeout`."""
    fd = proc.proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in got:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        piece = os.read(fd, 65536)
        if not piece:
            break
        got += piece
    proc.proc.stdout.close()
    return got


def strace_logdir(workdir, prefix="strace"):
    """A new, empty folder in workdir for one Strace's log."""
    d = pathlib.Path(workdir) / f"{prefix}-{len(os.listdir(workdir))}"
    d.mkdir()
    return d


def fail_on_diffs(tool, req, what, got, exp, diffs, extra=""):
    """Fail, with both command lines and the differences, when a fault
    scenario's run differs from GNU `tool`'s (diffs from compare() or
    write_error_diffs())."""
    if diffs:
        pytest.fail(f"{req}: {what}\n  reproduce: {repro(got)}\n  {GNU_NAME[tool]}: "
                    f"{exp.repro()}" + (f"\n  {extra}" if extra else "") + "\n"
                    + "\n".join(diffs), pytrace=False)


def feed_forever(fd, line):
    """Write `line` to the pipe, again and again, until its reader is gone;
    then close it. For a standard input that never ends, in a thread."""
    data = line * 4096
    try:
        while True:
            os.write(fd, data)
    except OSError:
        pass
    finally:
        os.close(fd)


def feed_up_to(fd, line, limit, written):
    """Write `line` to the pipe again and again until `limit` bytes are
    written or its reader is gone, then close it; the count goes in
    written[0]. For a standard input larger than any program needs to read
    when it may stop early (grep -q), in a thread."""
    data = line * 4096
    n = 0
    try:
        while n < limit:
            n += os.write(fd, data[:limit - n])
    except OSError:
        pass
    finally:
        written[0] = n
        os.close(fd)


def check_reader_goes_away(cli, req, cases, files):
    """`PROG ... | head -1`: for each case (args, line, what), start the
    program in `files` with stdout a pipe, its standard input `line`
    repeated forever (`what` says so in reports) or, when line is None,
    /dev/null; read its first line and close the pipe. The program must
    then end without a word on stderr (killed by SIGPIPE, or exiting)."""
    for args, line, what in cases:
        if line is not None:
            r, w = os.pipe()
            p = cli.start(args, stdin=r, cwd=files, stdout=subprocess.PIPE)
            os.close(r)
            threading.Thread(target=feed_forever, args=(w, line), daemon=True).start()
        else:
            p = cli.start(args, cwd=files, stdout=subprocess.PIPE)
        p.stdout_desc = "| head -1"  # what the test does with it
        where = what or f"{(files / 'big.txt').stat().st_size} bytes of input"
        first = first_line_then_close(p, T(30))
        if not first:
            p.kill_group()
            res = p.wait(T(30))
            pytest.fail(f"{req}: {args} with {where} wrote no line within {T(30):.0f}s "
                        f"({res.describe()}), so its reader could not go away after the "
                        f"first one\n  reproduce: {repro(res)}", pytrace=False)
        res = p.wait(T(30))
        assert not norm_stderr(res.stderr), (
            f"{req}: after its reader closed the pipe, the program wrote to stderr: "
            f"{res.stderr[:300]!r} ({res.describe()}); expected silence (SIGPIPE, or an exit "
            f"without a message)\n  reproduce: {repro(res)}")


# ---------------------------------------------------------------------------
# What the cat and grep suites share beyond the differential check


def suite_fixtures(tool):
    """The fixtures of the cat and grep suites' conftest: `corpus` (the
    generated files; tests only read them) and `differ`, a Differ(cli,
    tool) working in the corpus directory."""
    @pytest.fixture(scope="session", name="corpus")
    def corpus_fixture():
        return corpus()

    @pytest.fixture(name="differ")
    def differ_fixture(cli, corpus):
        return Differ(cli, tool, cwd=corpus.root)

    return corpus_fixture, differ_fixture


def check_pipe_in_pieces(cli, tool, req, arg_sets, data, sizes, cwd):
    """Run the program with each of arg_sets, its standard input `data`
    through a pipe in pieces of `sizes` bytes (feed_in_pieces), and fail on
    the first run that differs from GNU `tool` given the whole input."""
    for args in arg_sets:
        r, w = os.pipe()
        p = cli.start(args, stdin=r, cwd=cwd)
        os.close(r)
        t = threading.Thread(target=feed_in_pieces, args=(w, data, sizes), daemon=True)
        t.start()
        got = p.wait(T(60))
        t.join(T(10))
        exp = run_gnu(tool, args, cwd, stdin=data)
        diffs = compare(tool, got, exp)
        assert not diffs, (f"{req}: {len(data)} bytes through a pipe in pieces of "
                           f"{sizes[:8]}... bytes:\n  program: {repro(got).rsplit(' < ', 1)[0]}"
                           f"\n  {GNU_NAME[tool]} (whole input): {exp.repro()}\n"
                           + "\n".join(diffs))
