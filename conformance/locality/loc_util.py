"""What the locality tests share (specs/locality.md): the command lines of
small runs, the points a command line asks for, and the table read back
from stdout with a precise complaint when it is not one.

    r = run_ok(cli, small(max_stride=3))
    t = table(r)                      # Table: rows of (size, stride, mbps text)
    assert t.points() == points(1024, 4096, 3)

Runs are kept short: sizes of a few KiB and `--time 1` (a millisecond per
point), so a run takes a fraction of a second.
"""
import re

import pytest

HEADER = b"size\tstride\tmbps"
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
MBPS = re.compile(rb"[0-9]+\.[0-9]")


def args(**opts):
    """A command line from keyword options: min_size="1K" -> --min-size 1K;
    True -> the flag alone; None or False -> left out."""
    out = []
    for k, v in opts.items():
        if v is None or v is False:
            continue
        out.append("--" + k.replace("_", "-"))
        if v is not True:
            out.append(str(v))
    return out


def small(**over):
    """A short run's command line (1K to 2K, strides 1..2, --time 1),
    with `over` changing or removing (None) some of its options."""
    opts = {"min_size": "1K", "max_size": "2K", "max_stride": 2, "time": 1}
    opts.update(over)
    return args(**opts)


def points(lo, hi, max_stride, random=True):
    """The (size, stride) pairs a run measures, in order: stride 0 is the
    random row."""
    out = []
    size = lo
    while size <= hi:
        out += [(size, s) for s in range(1, max_stride + 1)]
        if random:
            out.append((size, 0))
        size *= 2
    return out


def show(p):
    size, stride = p
    return f"{size}\t{'random' if stride == 0 else stride}"


def run_ok(cli, argv, **kw):
    """Runs the program; fails the test unless it exits 0."""
    r = cli.run(argv, **kw)
    if r.status != 0:
        pytest.fail(f"{' '.join(argv)}: {r.describe()}, 0 expected; stderr "
                    f"{r.stderr[-400:]!r}, stdout {r.stdout[:200]!r}\n  reproduce: {r.repro()}",
                    pytrace=False)
    return r


class Table:
    """The rows of a table: (size, stride (0 for random), mbps as bytes)."""

    def __init__(self, rows, result):
        self.rows, self.result = rows, result

    def points(self):
        return [(size, stride) for size, stride, _ in self.rows]


def table(r):
    """Reads r.stdout as the table of LOC-001: the header, then lines of
    SIZE<TAB>STRIDE<TAB>MBPS, each ended by a newline. The MBPS field is
    taken as it is (LOC-003 checks it). Fails the test, showing the first
    line that is wrong, when stdout is not such a table."""
    out = r.stdout
    where = f"\n  reproduce: {r.repro()}"
    if not out.endswith(b"\n"):
        pytest.fail(f"stdout does not end with a newline: ...{out[-80:]!r}{where}", pytrace=False)
    lines = out[:-1].split(b"\n")
    if lines[0] != HEADER:
        want = HEADER + b"\n"
        pytest.fail(f"the first line of stdout is {lines[0][:120]!r}; the header "
                    f"{want!r} expected{where}", pytrace=False)
    rows = []
    for n, line in enumerate(lines[1:], 2):
        f = line.split(b"\t")
        bad = None
        if len(f) != 3:
            bad = f"{len(f)} tab-separated fields, 3 expected"
        elif not re.fullmatch(rb"[0-9]+", f[0]):
            bad = "the size is not decimal digits"
        elif not (re.fullmatch(rb"[0-9]+", f[1]) or f[1] == b"random"):
            bad = "the stride is neither decimal digits nor 'random'"
        elif not f[2]:
            bad = "the mbps field is empty"
        if bad:
            pytest.fail(f"line {n} of stdout, {line[:120]!r}: {bad} (a row is "
                        f"SIZE<TAB>STRIDE<TAB>MBPS){where}", pytrace=False)
        rows.append((int(f[0]), 0 if f[1] == b"random" else int(f[1]), f[2]))
    return Table(rows, r)


def check_points(t, want, what):
    """Fails unless the table's rows are exactly the points `want`, in
    order, naming the first difference."""
    got = t.points()
    if got == want:
        return
    i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    seen = show(got[i]) if i < len(got) else "(no more rows)"
    expected = show(want[i]) if i < len(want) else "(no more rows)"
    pytest.fail(f"{what}: {len(got)} rows, {len(want)} expected; row {i + 1} is {seen!r}, "
                f"{expected!r} expected (size, stride)\n  reproduce: {t.result.repro()}",
                pytrace=False)
