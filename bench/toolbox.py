#!/usr/bin/python3
"""`make bench-toolbox`: the command-line toolbox of issue 8 against the
programs it imitates, and sumsq's processes against its threads, on this
machine. Writes bench/toolbox.md and bench/toolbox-sumsq.svg.

grep and cat. One generated text file (1 GiB by default; seeded, so every
run reads the same bytes) in a temporary folder on a disk file system
(never tmpfs: the folder's file system is checked), read once before the
measurements so that every run reads it from the page cache, deleted at
the end. Each case runs our program (build/bin/mgrep, build/bin/mcat) and
GNU's (grep -F, cat) --reps times, the two alternating with the order
swapped each round, both with LC_ALL=C:

  grep   three patterns (a rare match, a frequent match, no match) ×
         (plain, -i, -c, -v -c) × stdout (a pipe to a counting reader,
         /dev/null)
  cat    stdout a pipe (read/write), /dev/null (read/write) and a regular
         file on the same file system (copy_file_range)

The counting reader is this script: it reads the pipe into a 1 MiB buffer
and counts the bytes. Our program and GNU's must agree on every case
(the bytes through the pipe, the counts printed, the exit status) or the
run ends: a benchmark of different answers measures nothing. The CPU time
of each run comes from wait4(2)'s resource usage of that child.

sumsq. `sumsq --mode proc|thread -j K N` for K = 1, 2, 4 ... 1024, once
with a large N (work dominates: the curve of wall time against K) and once
with a small N (creation dominates: the cost of a process and of a thread
per worker, the slope of wall time against K). Each printed sum is checked
against N(N+1)(2N+1)/6.

Progress goes to stderr. Other work on the machine shares its cores, so the
ratios measured in the same run matter more than the absolute numbers; the
report gives the load average. Never part of make check.

  bench/toolbox.py [--quick] [--size MIB] [--reps R] [--dir DIR]
                   [--sumsq-n N] [--sumsq-small-n N] [--sumsq-reps R]
                   [--small-reps R] [--only grep,cat,sumsq] [--out bench/toolbox.md]

--quick: a 64 MiB file, 3 rounds, N = 10^8 (a smoke run, under a minute).
The default run (1 GiB, 5 rounds, N = 10^9) takes about 7 minutes here.
"""
import argparse
import datetime
import math
import os
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import machine  # noqa: E402

BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
MIB = 1 << 20
GIB = 1 << 30
SEED = 8
ENV = {"LC_ALL": "C", "PATH": "/usr/local/bin:/usr/bin:/bin"}

# The grep cases: (pattern name, pattern) and the flag sets.
PATTERNS = [("rare", "segfault"), ("frequent", "INFO"), ("none", "xylophone")]
PAT = dict(PATTERNS)
FLAGSETS = [[], ["-i"], ["-c"], ["-v", "-c"]]
OUTPUTS = ["pipe", "null"]
CAT_OUTPUTS = ["pipe", "null", "file"]
KS = [1, 2, 4, 8, 16, 64, 256, 1024]
MODES = ["proc", "thread"]


class Failed(RuntimeError):
    """A run did not do what it should: the benchmark ends here."""


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- the text file ----------------------------------------------------------

# The most common words, by hand, at the top of the vocabulary; made-up
# words from syllables follow, so the text has the shape of English and of
# logs (short common words, a long tail) without being anyone's text.
COMMON = ("the of and to in a is that for it as with was on be by this are from at or an "
          "not have which but all can one has its will new more if time user file data "
          "server value connection request error list when out also into only other some "
          "these than then two first after used may over such process system line read "
          "write memory thread client message buffer length status result state").split()
SYLLABLES = ("ka ri to mo ne sa lu pe di vo an er in on ul ex st tr pl gr ch sh th "
             "ba co de fi go hu ja ke li ma no pa qu ra se ti va we yo ze").split()
LEVELS = [("INFO", 85), ("WARN", 12), ("ERROR", 3)]
COMPONENTS = ["httpd", "worker", "scheduler", "cache", "db", "auth", "proxy", "kernel"]


def vocabulary(rng):
    words = list(COMMON)
    seen = set(words)
    while len(words) < 4000:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([1, 2, 2, 3, 3, 4])))
        if w not in seen and PAT["none"] not in w and PAT["rare"] not in w:
            seen.add(w)
            words.append(w)
    # Zipf's law, roughly: the word of rank r (from 0) has weight 1/(r + 2).
    weights = [1.0 / (r + 2) for r in range(len(words))]
    cum, s = [], 0.0
    for w in weights:
        s += w
        cum.append(s)
    return words, cum


def sentence(rng, words, cum, n):
    ws = rng.choices(words, cum_weights=cum, k=n)
    ws[0] = ws[0].capitalize()
    return " ".join(ws) + "."


def pool_lines(rng, nlines):
    """nlines lines of four kinds: log lines (40%), prose (34%), code-like
    (15%), empty (10%), and long prose lines (1%)."""
    words, cum = vocabulary(rng)
    levels = [lv for lv, _ in LEVELS]
    lweights = [w for _, w in LEVELS]
    out = []
    for _ in range(nlines):
        k = rng.random()
        if k < 0.40:
            lv = rng.choices(levels, weights=lweights)[0]
            out.append(f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                       f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
                       f"{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d} {lv} "
                       f"{rng.choice(COMPONENTS)}[{rng.randint(100, 65535)}]: "
                       + sentence(rng, words, cum, rng.randint(3, 14)))
        elif k < 0.74:
            out.append(sentence(rng, words, cum, max(1, int(rng.lognormvariate(2.3, 0.5)))))
        elif k < 0.89:
            a, b, c = rng.choices(words, cum_weights=cum, k=3)
            out.append(" " * (4 * rng.randint(0, 3)) + f"{a}_{b} = {c}({rng.randint(0, 99)});")
        elif k < 0.99:
            out.append("")
        else:
            out.append(sentence(rng, words, cum, rng.randint(30, 120)))
    # The rare pattern: in 3 lines of the pool (a hundred or two in a 1 GiB
    # file, which repeats the pool's lines), once capitalized so that -i
    # finds more.
    for j, at in enumerate(rng.sample(range(nlines), 3)):
        word = PAT["rare"].capitalize() if j == 0 else PAT["rare"]
        out[at] = (f"2024-03-0{j + 1} 04:1{j}:07.311 ERROR kernel[0]: worker[{4242 + j}]: "
                   f"{word} at 0 ip 00007f3a9c2b4e10 sp 00007ffd5e1c2a48 error 4")
    return out


def make_text(path, size, seed):
    """Writes about `size` bytes of whole lines to path: 2^18 generated
    lines, then blocks of 512 of them drawn at random until the size is
    reached (so the file repeats its lines, each about size/pool times:
    grep does not care). Returns figures about the lines."""
    rng = random.Random(seed)
    pool = pool_lines(rng, 1 << 18)
    blocks = []
    for i in range(0, len(pool), 512):
        blocks.append(("\n".join(pool[i:i + 512]) + "\n").encode())
    lens = sorted(len(x) for x in pool)
    written = nlines = 0
    with open(path, "wb") as f:
        chunk, clen = [], 0
        while written < size:
            b = blocks[rng.randrange(len(blocks))]
            if written + len(b) > size:
                # The last block cut at a line end, to land near size.
                cut = b.rfind(b"\n", 0, size - written)
                b = b[:cut + 1] if cut >= 0 else b""
                if not b:
                    break
            chunk.append(b)
            clen += len(b)
            written += len(b)
            nlines += b.count(b"\n")
            if clen >= 8 * MIB:
                f.write(b"".join(chunk))
                chunk, clen = [], 0
        f.write(b"".join(chunk))
        f.flush()
        # On disk before the measurements, so that no writeback of this
        # file runs under them.
        os.fsync(f.fileno())
    return {"bytes": written, "lines": nlines, "pool": len(pool),
            "mean": sum(lens) / len(lens), "median": lens[len(lens) // 2],
            "p99": lens[int(len(lens) * 0.99)], "max": lens[-1],
            "empty": sum(1 for x in lens if x == 0) / len(lens)}


def warm(path):
    """Reads the file once (into the page cache); returns the share of its
    pages resident afterwards, from fincore(1) when it is there."""
    buf = bytearray(8 * MIB)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass
    if not shutil.which("fincore"):
        return None
    p = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", str(path)],
                       capture_output=True, text=True)
    try:
        res, size = (int(x) for x in p.stdout.split()[:2])
        return res / size if size else None
    except ValueError:
        return None


def fs_type(path):
    """The file system type of the mount holding path (/proc/self/mountinfo)."""
    path = os.path.realpath(path)
    best, typ = "", "?"
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            mnt = left.split()[4].replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, typ = mnt, right.split()[0]
    return typ


def pick_dir(a, need):
    """A folder on a disk file system with `need` bytes free: --dir, else
    the first of $TMPDIR (or /tmp), /var/tmp, build/ that is not in memory."""
    cands = [a.dir] if a.dir else [tempfile.gettempdir(), "/var/tmp", str(BIN.parent)]
    for c in cands:
        typ = fs_type(c)
        free = shutil.disk_usage(c).free
        if typ in ("tmpfs", "ramfs"):
            progress(f"  {c} is {typ}: not used (the file must be on a disk)")
            continue
        if free < need:
            progress(f"  {c} has {free / GIB:.1f} GiB free, {need / GIB:.1f} needed")
            continue
        return pathlib.Path(tempfile.mkdtemp(prefix="osnet-bench-toolbox-", dir=c)), typ
    raise Failed(f"no folder on a disk file system with {need / GIB:.1f} GiB free among "
                 f"{', '.join(cands)} (give one with --dir)")


# ---- one timed run ----------------------------------------------------------

def run(argv, out, outfile=None, keep=4096):
    """Runs argv (stdin /dev/null, stderr kept) with stdout `out`: "pipe"
    (read here into a 1 MiB buffer and counted), "null" (/dev/null) or
    "file" (outfile, created empty). Returns {"wall", "user", "sys",
    "bytes", "head", "status", "err"}: wall seconds from the spawn to the
    end of the output and the exit, CPU from wait4 for this child alone."""
    devnull = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
    errr, errw = os.pipe()
    acts = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, errw, 2)]
    r = w = fd = None
    if out == "pipe":
        r, w = os.pipe()
        acts.append((os.POSIX_SPAWN_DUP2, w, 1))
    elif out == "null":
        acts.append((os.POSIX_SPAWN_DUP2, devnull, 1))
    else:
        fd = os.open(outfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        acts.append((os.POSIX_SPAWN_DUP2, fd, 1))
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, ENV, file_actions=acts)
    for x in (w, fd, errw, devnull):
        if x is not None:
            os.close(x)
    n, head = 0, b""
    if r is not None:
        buf = bytearray(MIB)
        with open(r, "rb", buffering=0) as f:
            while True:
                k = f.readinto(buf)
                if not k:
                    break
                if len(head) < keep:
                    head += bytes(buf[:min(k, keep - len(head))])
                n += k
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter()
    with open(errr, "rb") as f:
        err = f.read()
    if outfile is not None and out == "file":
        n = os.path.getsize(outfile)
        os.unlink(outfile)
    return {"wall": t1 - t0, "user": ru.ru_utime, "sys": ru.ru_stime, "bytes": n, "head": head,
            "status": os.waitstatus_to_exitcode(status), "err": err}


def alternate(cmds, out, reps, what, outfile=None):
    """reps rounds of every command of {name: argv}, the order swapped each
    round. All runs must give the same status, stderr and output (bytes,
    and the start of it): returns {name: [run results]}."""
    names = list(cmds)
    got = {n: [] for n in names}
    for r in range(reps):
        for name in (names if r % 2 == 0 else names[::-1]):
            got[name].append(run(cmds[name], out, outfile))
    ref = None
    for name in names:
        for x in got[name]:
            sig = (x["status"], x["bytes"], x["head"], x["err"])
            if ref is None:
                ref = (name, sig)
            elif sig != ref[1]:
                raise Failed(f"{what}: {name} gave status {x['status']}, {x['bytes']} bytes "
                             f"{x['head'][:60]!r}, stderr {x['err'][:200]!r}; {ref[0]} gave "
                             f"status {ref[1][0]}, {ref[1][1]} bytes {ref[1][2][:60]!r}, "
                             f"stderr {ref[1][3][:200]!r}\n  {' '.join(cmds[name])}")
    return got


def med(xs):
    return statistics.median(xs)


def summary(got, a, b):
    """Medians and the ratio a ÷ b of wall times with the lowest and highest
    ratio of one round's pair."""
    wa, wb = [x["wall"] for x in got[a]], [x["wall"] for x in got[b]]
    pairs = [x / y for x, y in zip(wa, wb)]
    return {"ratio": med(wa) / med(wb), "lo": min(pairs), "hi": max(pairs),
            a: stats(got[a]), b: stats(got[b])}


def stats(runs):
    w = [x["wall"] for x in runs]
    return {"wall": med(w), "min": min(w), "max": max(w),
            "user": med(x["user"] for x in runs), "sys": med(x["sys"] for x in runs),
            "bytes": runs[0]["bytes"], "head": runs[0]["head"]}


def strace_counts(argv, out, d):
    """Syscall counts of one untimed run under strace -c -f:
    {"read": n, "write": n, ...}. None when strace is missing."""
    if not shutil.which("strace"):
        return None
    log = d / "strace.txt"
    x = run([shutil.which("strace"), "-f", "-c", "-o", str(log), *argv], out, d / "out.tmp")
    counts = {}
    for line in log.read_text().splitlines():
        f = line.split()
        if len(f) >= 5 and f[-1] not in ("syscall", "total") and f[3].isdigit():
            counts[f[-1]] = int(f[3])
    log.unlink()
    return counts if x["status"] in (0, 1) else None


def simd_count(obj):
    """Packed byte compares and adds (pcmpeqb, paddb, psubusb... SSE or AVX)
    in an object file (objdump -d), or None when it or objdump is missing:
    tells whether the compiler vectorized the byte loops of mgrep's
    matcher (a zeroing pxor or a 16-byte movups copy does not count)."""
    if not obj.exists() or not shutil.which("objdump"):
        return None
    p = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(obj)], capture_output=True,
                       text=True)
    insn = re.compile(r"\sv?p(cmp[a-z]*b|addb|subb|subusb|minub|maxub|sadbw)\s")
    return sum(1 for line in p.stdout.splitlines() if insn.search(line))


# ---- grep and cat -------------------------------------------------------------

def grep_cmds(flags, pat, path):
    return {"mgrep": [str(BIN / "mgrep"), "-F", *flags, pat, str(path)],
            "grep": [shutil.which("grep"), "-F", *flags, pat, str(path)]}


def bench_grep(a, path):
    rows = []
    counts = {}
    # Once each before the timed rounds: the programs' pages in memory too.
    for argv in grep_cmds(["-c"], PAT["none"], path).values():
        run(argv, "pipe")
    for pname, pat in PATTERNS:
        for flags in FLAGSETS:
            # Lines selected, from one untimed GNU grep -c: tells which
            # /dev/null runs stop at their first selected line.
            sel = [f for f in flags if f != "-c"]
            p = subprocess.run(grep_cmds(["-c", *sel], pat, path)["grep"], env=ENV,
                               capture_output=True, text=True)
            nsel = int(p.stdout.strip() or 0)
            counts[(pname, tuple(sel))] = nsel
            if pname == "none" and "-v" not in sel and nsel != 0:
                raise Failed(f"the no-match pattern {pat!r} matches {nsel} lines")
            for out in OUTPUTS:
                what = f"grep {pname} {' '.join(flags) or 'plain'} > {out}"
                progress(f"  {what} ({a.reps} rounds) ...")
                got = alternate(grep_cmds(flags, pat, path), out, a.reps, what)
                s = summary(got, "mgrep", "grep")
                rows.append({"pattern": pname, "pat": pat, "flags": flags, "out": out,
                             "selected": nsel, **s})
                progress(f"    mgrep {s['mgrep']['wall'] * 1000:.0f} ms, grep "
                         f"{s['grep']['wall'] * 1000:.0f} ms: ratio {s['ratio']:.2f}")
    return rows, counts


def bench_cat(a, path, d):
    rows = []
    cmds = {"mcat": [str(BIN / "mcat"), str(path)], "cat": [shutil.which("cat"), str(path)]}
    for out in CAT_OUTPUTS:
        what = f"cat > {out}"
        progress(f"  {what} ({a.reps} rounds) ...")
        got = alternate(cmds, out, a.reps, what, outfile=d / "cat.out")
        s = summary(got, "mcat", "cat")
        rows.append({"out": out, **s})
        progress(f"    mcat {s['mcat']['wall'] * 1000:.0f} ms, cat {s['cat']['wall'] * 1000:.0f} "
                 f"ms: ratio {s['ratio']:.2f}")
    return rows


def syscall_profile(path, d):
    """strace -c of the cases the report explains with system calls."""
    prof = {}
    progress("  strace -c of a few cases (untimed) ...")
    for key, cmds, out in [
        (("grep", "frequent", "plain", "pipe"), grep_cmds([], PAT["frequent"], path), "pipe"),
        (("grep", "none", "plain", "pipe"), grep_cmds([], PAT["none"], path), "pipe"),
        (("cat", "pipe"), {"mcat": [str(BIN / "mcat"), str(path)],
                           "cat": [shutil.which("cat"), str(path)]}, "pipe"),
        (("cat", "file"), {"mcat": [str(BIN / "mcat"), str(path)],
                           "cat": [shutil.which("cat"), str(path)]}, "file"),
    ]:
        prof[key] = {n: strace_counts(argv, out, d) for n, argv in cmds.items()}
    return prof


# ---- sumsq ------------------------------------------------------------------------

def sumsq_series(n, reps, what):
    """{mode: {K: [run results]}} for every mode and K, rounds over all K with
    the order of the modes swapped each round; each sum checked."""
    want = f"{n * (n + 1) * (2 * n + 1) // 6}\n".encode()
    got = {m: {k: [] for k in KS} for m in MODES}
    for r in range(reps):
        progress(f"  sumsq N={n}, round {r + 1}/{reps} ...")
        for k in KS:
            for m in (MODES if (r + k.bit_length()) % 2 == 0 else MODES[::-1]):
                x = run([str(BIN / "sumsq"), "--mode", m, "-j", str(k), str(n)], "pipe")
                if x["status"] != 0 or x["head"] != want:
                    raise Failed(f"sumsq --mode {m} -j {k} {n}: status {x['status']}, printed "
                                 f"{x['head'][:80]!r} (want {want!r}), stderr {x['err'][:300]!r}")
                got[m][k].append(x)
    return got


def sumsq_strace(k, n):
    """{syscall: count} of one `sumsq --mode proc -j k n` under strace -f -c,
    or None."""
    if not shutil.which("strace"):
        return None
    progress(f"  strace -f -c of sumsq --mode proc -j {k} {n} (untimed) ...")
    with tempfile.TemporaryDirectory(prefix="osnet-bench-toolbox-") as d:
        return strace_counts([str(BIN / "sumsq"), "--mode", "proc", "-j", str(k), str(n)],
                             "pipe", pathlib.Path(d))


def slope(ks, ys):
    """Least-squares slope of ys against ks."""
    mk, my = statistics.fmean(ks), statistics.fmean(ys)
    return sum((k - mk) * (y - my) for k, y in zip(ks, ys)) / sum((k - mk) ** 2 for k in ks)


# ---- the plot -----------------------------------------------------------------------

def nice_top(v):
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above v."""
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def svg_panel(x0, y0, w, h, title, ylabel, series, yscale=1.0, yunit=""):
    """One line chart at (x0, y0), w × h: x is log2 K over KS, y from 0;
    series: [(name, colour, {K: y}, dash)], dash "" for a solid line.
    Returns SVG elements."""
    left, right, top, bottom = 62, 14, 34, 44
    pw, ph = w - left - right, h - top - bottom
    ymax = nice_top(max(v for _, _, ys, _ in series for v in ys.values()) * yscale * 1.05)
    xmax = math.log2(KS[-1])

    def px(k):
        return x0 + left + pw * math.log2(k) / xmax

    def py(v):
        return y0 + top + ph * (1 - v * yscale / ymax)

    el = [f'<text x="{x0 + w / 2:.1f}" y="{y0 + 20}" text-anchor="middle" '
          f'font-size="14" font-weight="bold">{title}</text>']
    for i in range(6):
        v = ymax * i / 5
        y = y0 + top + ph * (1 - i / 5)
        el.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + pw}" y2="{y:.1f}" '
                  f'stroke="#ddd"/>')
        el.append(f'<text x="{x0 + left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                  f'font-size="11">{v:g}</text>')
    for k in KS:
        x = px(k)
        el.append(f'<line x1="{x:.1f}" y1="{y0 + top}" x2="{x:.1f}" y2="{y0 + top + ph}" '
                  f'stroke="#eee"/>')
        el.append(f'<text x="{x:.1f}" y="{y0 + top + ph + 16}" text-anchor="middle" '
                  f'font-size="11">{k}</text>')
    el.append(f'<rect x="{x0 + left}" y="{y0 + top}" width="{pw}" height="{ph}" fill="none" '
              f'stroke="#444"/>')
    el.append(f'<text x="{x0 + left + pw / 2:.1f}" y="{y0 + h - 8}" text-anchor="middle" '
              f'font-size="12">K, workers (log scale)</text>')
    el.append(f'<text transform="translate({x0 + 16},{y0 + top + ph / 2:.1f}) rotate(-90)" '
              f'text-anchor="middle" font-size="12">{ylabel}{yunit}</text>')
    for i, (name, colour, ys, dash) in enumerate(series):
        pts = " ".join(f"{px(k):.1f},{py(ys[k]):.1f}" for k in KS)
        da = f' stroke-dasharray="{dash}"' if dash else ""
        el.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"'
                  f'{da}/>')
        if not dash:
            el += [f'<circle cx="{px(k):.1f}" cy="{py(ys[k]):.1f}" r="3" fill="{colour}"/>'
                   for k in KS]
        lx, ly = x0 + left + 12, y0 + top + 16 + 16 * i
        el.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" '
                  f'stroke="{colour}" stroke-width="2"{da}/>')
        el.append(f'<text x="{lx + 24}" y="{ly}" font-size="12">{name}</text>')
    return el


def write_svg(path, big, small, nbig, nsmall):
    colours = {"proc": "#c0392b", "thread": "#2471a3"}
    w, h = 460, 340

    def series(got):
        return [(f"--mode {m}", colours[m], {k: med(x["wall"] for x in got[m][k]) for k in KS},
                 "") for m in MODES]

    # What the cores allow: one worker's time divided by min(K, cores).
    t1 = min(med(x["wall"] for x in big[m][1]) for m in MODES)
    ncpu = os.cpu_count() or 1
    ideal = ("K = 1 time ÷ min(K, cores)", "#888", {k: t1 / min(k, ncpu) for k in KS}, "5,4")
    el = svg_panel(0, 0, w, h, f"N = {nbig:,}: wall time", "median wall time",
                   series(big) + [ideal], 1.0, ", s")
    el += svg_panel(w, 0, w, h, f"N = {nsmall:,}: creating the workers", "median wall time",
                    series(small), 1000.0, ", ms")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h}" '
           f'viewBox="0 0 {2 * w} {h}" font-family="sans-serif">\n'
           f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(el) + "\n</svg>\n")
    pathlib.Path(path).write_text(svg)


# ---- the report -----------------------------------------------------------------------

def version(cmd):
    p = subprocess.run([cmd, "--version"], capture_output=True, text=True)
    return p.stdout.splitlines()[0] if p.stdout else "?"


def producer(prog):
    """How prog was compiled, from its debug information (DW_AT_producer,
    e.g. "GNU C11 12.2.0 ... -g -O2 -std=c11"), or "?"."""
    p = subprocess.run(["readelf", "--debug-dump=info", str(prog)], capture_output=True,
                       text=True)
    m = re.search(r"DW_AT_producer\s*:.*?(GNU C\S* .*)", p.stdout)
    return m.group(1).strip() if m else "?"


def opt_flags(prod):
    """"-O2" (the optimization options) from a DW_AT_producer string."""
    return " ".join(re.findall(r"-O\S*", prod)) or "?"


def gcc_version():
    p = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True)
    return p.stdout.strip() or "?"


def glibc():
    p = subprocess.run(["ldd", "--version"], capture_output=True, text=True)
    m = re.search(r"(\d+\.\d+)\s*$", p.stdout.splitlines()[0] if p.stdout else "")
    return m.group(1) if m else "?"


def ms(x):
    return f"{x * 1000:,.0f}" if x >= 0.0995 else f"{x * 1000:.1f}"


def spread(s):
    return f"{ms(s['wall'])} ({ms(s['min'])}–{ms(s['max'])})"


def gibs(size, s):
    return f"{size / GIB / s['wall']:.2f}"


def flags_label(flags):
    return " ".join(flags) or "plain"


def read_whole(row):
    """Did this grep run read the whole file? Through a pipe always; to
    /dev/null only when no line is selected (else both stop at the first)."""
    return row["out"] == "pipe" or row["selected"] == 0


def report(a, info, res, took, loads):
    size = info["file"]["bytes"] if info.get("file") else 0
    shared = (": other work was running on the machine (a shared machine, not a quiet one), "
              "so the absolute figures are rough; the ratios of runs interleaved in the same "
              "minutes hold up better") if loads[0] > 1.5 else ""
    built = producer(BIN / ("mgrep" if "grep" in a.parts else "sumsq"))
    L = ["# The toolbox: mgrep and mcat against GNU grep and cat; sumsq's processes and threads",
         "",
         f"Measured {datetime.date.today()} by `make bench-toolbox` (bench/toolbox.py"
         f"{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}) on {machine()}; "
         f"`nproc` {os.cpu_count()}; glibc {glibc()}; our programs built by the Makefile "
         f"(`{built}`). Load average (1 min) {loads[0]:.2f} at the start{shared}; "
         f"{loads[1]:.2f} at the end, which counts the benchmark's own last rounds (up "
         f"to 1024 sumsq workers at once). The whole run took {took / 60:.1f} min.", ""]
    if "grep" in res or "cat" in res:
        f = info["file"]
        L += ["## The file", "",
              f"{f['bytes']:,} bytes ({f['bytes'] / GIB:.2f} GiB), {f['lines']:,} lines, "
              f"generated with seed {SEED} by the script: {f['pool']:,} lines of four kinds "
              f"(log lines with a timestamp, level and component; prose of Zipf-distributed "
              f"words, English function words first, then made-up ones; code-like "
              f"assignments; empty lines), written as blocks of 512 of them drawn at random, "
              f"so each line occurs about {f['lines'] / f['pool']:.0f} times. Line length "
              f"without the newline: mean {f['mean']:.0f} bytes, median {f['median']}, 99th "
              f"percentile {f['p99']}, longest {f['max']}; {f['empty'] * 100:.0f}% empty. "
              f"Plain ASCII, no NUL byte (a text file for both greps).", "",
              f"It lives in `{info['dir_shown']}` (file system {info['fstype']}: on disk, not "
              f"in memory), was fsync'ed after writing and read once before the measurements"
              + (f" ({info['resident'] * 100:.0f}% of its pages in the page cache afterwards, "
                 f"by fincore)" if info.get("resident") is not None else "")
              + ", so every run reads it from the page cache, not the disk; it is deleted at "
              "the end.", "",
              f"Versions: {version(shutil.which('grep'))}; {version(shutil.which('cat'))}. "
              f"Every command runs with `LC_ALL=C` (the locale of the specs), stdin "
              f"/dev/null, started with posix_spawn from the script; our program and GNU's "
              f"alternate, the order swapped each round, {a.reps} rounds each. Times are "
              f"the median round's wall time from the spawn to the exit and the end of the "
              f"output, in ms, with the fastest and slowest round in brackets; a ratio is "
              f"ours ÷ GNU's median time (below 1: ours is faster), with the lowest and "
              f"highest ratio of one round's pair in brackets; throughput is the file's size "
              f"÷ the median time. CPU times (user and system, median round) are the child's "
              f"own, from wait4(2) (what resource.getrusage(RUSAGE_CHILDREN) adds up). Every "
              f"case checks that both programs gave the same exit status, the same number "
              f"of bytes and the same first 4 KiB of output in every round.", ""]
    if "grep" in res:
        rows, counts = res["grep"]
        f = info["file"]
        L += ["## grep", "",
              "Commands: `build/bin/mgrep -F [FLAGS] PATTERN FILE` and `grep -F [FLAGS] "
              "PATTERN FILE` (mgrep treats every pattern as a fixed string; -F is given to "
              "both). Patterns, and the lines each selects (GNU grep -c):", "",
              "| pattern | | lines selected | with -i | with -v |",
              "|---|---|---:|---:|---:|"]
        for pname, pat in PATTERNS:
            c, ci, cv = (counts[(pname, ())], counts[(pname, ("-i",))],
                         counts[(pname, ("-v",))])
            L.append(f"| {pname} | `{pat}` | {c:,} ({c / f['lines'] * 100:.3g}%) | {ci:,} | "
                     f"{cv:,} |")
        L += ["",
              "**Where the output goes matters.** GNU grep looks at its standard output "
              "once (fstat): when it is /dev/null nobody can read the lines, so it behaves as "
              "with -q: it drops -c (the count cannot be seen either) and stops reading a file "
              "at its first selected line; `grep -q` stops at the first selected line too, "
              "and exits. mgrep does the same (its spec follows GNU grep). So a run to "
              "/dev/null whose pattern selects some line measures starting the program and "
              "reading the first block, not the search; only the runs that select nothing "
              "(the no-match pattern without -v) read the whole file there. The main table is "
              "therefore the one **through a pipe**: the script reads the pipe (the default "
              "64 KiB pipe, read into a 1 MiB buffer) and counts the bytes, as `| wc -c` "
              "would; every run reads the whole file and writes every selected line (or the "
              "count). The reader's own CPU time is not in the CPU columns (it is not the "
              "child's).", "",
              "### Through a pipe (the whole search)", "",
              "| pattern | flags | mgrep ÷ grep | mgrep ms | grep ms | mgrep GiB/s | grep GiB/s "
              "| output bytes |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            if r["out"] != "pipe":
                continue
            L.append(f"| {r['pattern']} | {flags_label(r['flags'])} | {r['ratio']:.2f} "
                     f"({r['lo']:.2f}–{r['hi']:.2f}) | {spread(r['mgrep'])} | "
                     f"{spread(r['grep'])} | {gibs(size, r['mgrep'])} | {gibs(size, r['grep'])} "
                     f"| {r['mgrep']['bytes']:,} |")
        L += ["", "### To /dev/null", "",
              "A ✱ marks the runs that stop at the first selected line (both programs); "
              "throughput is given only for the runs that read the whole file.", "",
              "| pattern | flags | mgrep ÷ grep | mgrep ms | grep ms | mgrep GiB/s | grep GiB/s |",
              "|---|---|---:|---:|---:|---:|---:|"]
        for r in rows:
            if r["out"] != "null":
                continue
            whole = read_whole(r)
            L.append(f"| {r['pattern']} | {flags_label(r['flags'])}{'' if whole else ' ✱'} | "
                     f"{r['ratio']:.2f} ({r['lo']:.2f}–{r['hi']:.2f}) | {spread(r['mgrep'])} | "
                     f"{spread(r['grep'])} | {gibs(size, r['mgrep']) if whole else '–'} | "
                     f"{gibs(size, r['grep']) if whole else '–'} |")
        L += ["", "### CPU time through a pipe, ms (median round): user / system", "",
              "| pattern | flags | mgrep | grep |", "|---|---|---:|---:|"]
        for r in rows:
            if r["out"] == "pipe":
                L.append(f"| {r['pattern']} | {flags_label(r['flags'])} | "
                         f"{ms(r['mgrep']['user'])} / {ms(r['mgrep']['sys'])} | "
                         f"{ms(r['grep']['user'])} / {ms(r['grep']['sys'])} |")
        L += [""] + grep_notes(rows, res.get("strace", {}), res.get("simd"))
    if "cat" in res:
        rows = res["cat"]
        L += ["## cat", "",
              "Commands: `build/bin/mcat FILE` and `cat FILE`, stdout: a pipe (read by the "
              "script as above), /dev/null, and a regular file in the same folder (created "
              "empty before each run, deleted after it). Both programs copy with read(2) "
              "and write(2) of 128 KiB when stdout is a pipe or /dev/null (GNU cat 9.1 tries "
              "nothing else there; writing to /dev/null costs nothing, so that row is the "
              "read side alone). When stdout is a regular file both ask the kernel to copy "
              "with copy_file_range(2): no byte passes through the program (on ext4, without "
              "reflinks, the kernel copies the page cache pages into the new file's).", "",
              "| stdout | mcat ÷ cat | mcat ms | cat ms | mcat GiB/s | cat GiB/s | "
              "mcat CPU user / sys | cat CPU user / sys |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
        names = {"pipe": "a pipe (read/write)", "null": "/dev/null (read/write)",
                 "file": "a regular file (copy_file_range)"}
        for r in rows:
            L.append(f"| {names[r['out']]} | {r['ratio']:.2f} ({r['lo']:.2f}–{r['hi']:.2f}) | "
                     f"{spread(r['mcat'])} | {spread(r['cat'])} | {gibs(size, r['mcat'])} | "
                     f"{gibs(size, r['cat'])} | {ms(r['mcat']['user'])} / "
                     f"{ms(r['mcat']['sys'])} | {ms(r['cat']['user'])} / {ms(r['cat']['sys'])} |")
        L += [""] + cat_notes(rows, res.get("strace", {}))
    if "sumsq" in res:
        L += sumsq_section(a, res["sumsq"])
    pathlib.Path(a.out).write_text("\n".join(L).rstrip() + "\n")
    progress(f"wrote {a.out}")


def syscall_line(prof, key, names):
    p = prof.get(key)
    if not p or any(p.get(n) is None for n in names):
        return None
    return "; ".join(f"{n}: " + ", ".join(f"{c:,} {s}" for s, c in sorted(
        p[n].items(), key=lambda kv: -kv[1]) if s in ("read", "write", "copy_file_range",
                                                      "mmap", "lseek", "fadvise64"))
        for n in names)


def grep_notes(rows, prof, simd):
    pipe = [r for r in rows if r["out"] == "pipe"]
    slower = [r for r in pipe if r["ratio"] > 1.10]
    faster = [r for r in pipe if r["ratio"] < 0.90]
    L = ["### What the figures say", ""]

    def names(rs):
        return ", ".join(f"{r['pattern']} {flags_label(r['flags'])} "
                         f"({r['ratio']:.2f})" for r in rs)

    L.append(f"Through a pipe, mgrep is more than 10% slower than GNU grep in "
             f"{len(slower)} of {len(pipe)} cases{': ' + names(slower) if slower else ''}; "
             f"more than 10% faster in {len(faster)}{': ' + names(faster) if faster else ''}; "
             f"within 10% in the others.")
    L += ["",
          "How the two search. mgrep reads blocks of at least 128 KiB, cuts them at the last "
          "newline and runs glibc's memmem over the whole block (one call per occurrence, not "
          "per line; the line around an occurrence is found with memrchr/memchr), then "
          "counts newlines only where it needs them (-n, -v). With -i it first copies the "
          "block folded to lower case (a loop written for the compiler to vectorize) and "
          "searches the copy: one more pass over the bytes. GNU grep reads 96 KiB blocks "
          "and searches them with its kwset matcher: Boyer–Moore skips, with memchr "
          "(memchr2 for -i) looking for the pattern's last byte, and a translation table "
          "for -i (no copy). Its lines go out through stdio, in 4 KiB writes to a pipe; "
          "mgrep gathers 64 KiB before each write.", ""]
    line = syscall_line(prof, ("grep", "frequent", "plain", "pipe"), ["mgrep", "grep"])
    if line:
        L += [f"System calls of one untimed run (strace -c -f), frequent pattern, plain, "
              f"through a pipe — {line}.", ""]
    line = syscall_line(prof, ("grep", "none", "plain", "pipe"), ["mgrep", "grep"])
    if line:
        L += [f"And with the no-match pattern (no output) — {line}.", ""]
    if simd == 0:
        L += ["**Where mgrep is slower, and why.** The cases that read every byte in the "
              "program rather than in memmem are -i (the folded copy) and -v (counting the "
              "newlines of the selected runs). Both loops are written to be vectorized, but "
              f"`build/obj/grep/match.o` as built here (gcc {gcc_version()}, "
              f"{opt_flags(producer(BIN / 'mgrep'))}) holds no "
              "packed byte instruction (objdump -d: no pcmpeqb, paddb and the like): "
              "GCC 12 vectorizes at -O2 only with its \"very cheap\" cost model, which "
              "refuses loops that need a scalar epilogue or a runtime alias check, and these "
              "two need both (`-fopt-info-vec-missed`: \"would need a runtime alias "
              "check\"). So they run a byte per iteration. Built with -O3, or -O2 "
              "-fvect-cost-model=dynamic, the same source gets SSE2 loops that do 16 bytes "
              "per step. GNU grep -i needs no such pass: its matcher folds through a "
              "translation table while it skips.", ""]
    elif simd:
        L += [f"`build/obj/grep/match.o` holds {simd} packed byte instructions (objdump -d): "
              f"the folding (-i) and newline-counting (-v) loops are vectorized.", ""]
    L += ["In the CPU table, user time is the search (and for mgrep -i the folding, for "
          "-v the newline counting); system time is mostly read(2) copying the file out "
          "of the page cache, the same work for both, plus the writes into the pipe when "
          "many lines are selected (GNU grep's 4 KiB writes cost more calls than mgrep's "
          "64 KiB ones). The reader (this script) runs on the other core meanwhile.", ""]
    return L


def cat_notes(rows, prof):
    L = []
    for key, what in ((("cat", "pipe"), "to a pipe"), (("cat", "file"), "to a regular file")):
        line = syscall_line(prof, key, ["mcat", "cat"])
        if line:
            L += [f"System calls of one untimed run {what} (strace -c -f) — {line}.", ""]
    io = ("read", "write", "copy_file_range")
    same = all(p and p.get("mcat") and p.get("cat") and
               all(p["mcat"].get(c, 0) == p["cat"].get(c, 0) for c in io)
               for p in (prof.get(("cat", "pipe")), prof.get(("cat", "file"))))
    if same:
        L += ["Both programs make as many reads, writes and copy_file_range calls as each "
              "other (of 128 KiB each, by strace); what is left to differ is the start of "
              "the program, a millisecond or so, and the noise of the machine.", ""]
    L += ["Through a pipe the "
          "reader on the other side decides the pace: each 128 KiB write fills the 64 KiB "
          "pipe twice over, and the writer sleeps until the reader has emptied it.", ""]
    return L


def sumsq_section(a, s):
    big, small, nbig, nsmall = s["big"], s["small"], s["nbig"], s["nsmall"]

    def m(got, mode, k, key="wall"):
        return med(x[key] for x in got[mode][k])

    L = ["## sumsq: processes against threads", "",
         f"Commands: `build/bin/sumsq --mode proc -j K N` (K children by fork, one pipe "
         f"each, the parent polls the pipes and reaps every child) and `build/bin/sumsq "
         f"--mode thread -j K N` (K pthreads, joined), for K = "
         f"{', '.join(str(k) for k in KS)}; stdout a pipe read by the script, and every sum "
         f"checked against N(N+1)(2N+1)/6. Each (mode, K) ran {a.sumsq_reps} times with a "
         f"large N ({nbig:,}) and {a.small_reps} times with a small N ({nsmall:,}), in "
         f"rounds over every K with the two modes alternating; figures are the median "
         f"round's wall time (fastest–slowest in brackets) and CPU time (user + system of "
         f"the program and its children, from wait4).", "",
         f"![sumsq: wall time against K, processes and threads]({a.svg.name})", "",
         f"In the left chart the dashed line is what {os.cpu_count()} cores allow: the "
         f"time of one worker ÷ min(K, {os.cpu_count()}).", "",
         f"### N = {nbig:,}: the work split K ways", "",
         "| K | proc wall s | thread wall s | proc ÷ thread | proc CPU s | thread CPU s | "
         "speed-up over K = 1 (proc / thread) |",
         "|---:|---:|---:|---:|---:|---:|---:|"]
    for k in KS:
        pw, tw = [[x["wall"] for x in big[mo][k]] for mo in MODES]
        L.append(f"| {k} | {med(pw):.3f} ({min(pw):.3f}–{max(pw):.3f}) | {med(tw):.3f} "
                 f"({min(tw):.3f}–{max(tw):.3f}) | {med(pw) / med(tw):.2f} | "
                 f"{m(big, 'proc', k, 'user') + m(big, 'proc', k, 'sys'):.3f} | "
                 f"{m(big, 'thread', k, 'user') + m(big, 'thread', k, 'sys'):.3f} | "
                 f"{m(big, 'proc', 1) / med(pw):.2f} / {m(big, 'thread', 1) / med(tw):.2f} |")
    ncpu = os.cpu_count()
    L += ["",
          f"The sum is pure CPU work (one multiply-add per term, no memory traffic), so K "
          f"workers can go at most min(K, {ncpu}) times as fast as one: this machine has "
          f"{ncpu} cores. From K = 1 to K = 2 the wall time should halve, and the CPU time "
          f"stay the same (the same terms are added, on two cores at once). Past K = {ncpu} "
          f"the curve flattens: the workers only take turns on the {ncpu} cores (the "
          f"scheduler gives each a slice), the total CPU time is unchanged and so is the "
          f"wall time, which is that total ÷ {ncpu}. What grows with K is only the cost "
          f"of the workers themselves: a fork, an exit and a waitpid per process, a "
          f"pthread_create and join per thread (see the small-N table below); at "
          f"{nbig:,} terms it is lost in the work until K is in the hundreds. Processes "
          f"and threads run the same loop on the same cores, so apart from that cost the "
          f"two curves are one. On a shared machine the speed-up at K = 2 falls short of "
          f"2 by as much as the other work takes of the second core.", ""]
    sp = max(m(big, mo, 1) / m(big, mo, 2) for mo in MODES)
    if sp < 1.6:
        fast2 = min(x["wall"] for mo in MODES for x in big[mo][2])
        fast1 = min(x["wall"] for mo in MODES for x in big[mo][1])
        L += [f"**In this run the median speed-up at K = 2 was only {sp:.2f}**: the second "
              f"core was mostly not free (see the load average above: other programs kept "
              f"both cores busy), so these large-N medians show time-sharing with them, not "
              f"the two cores. The fastest round at K = 2 ({fast2:.3f} s, against "
              f"{fast1:.3f} s at K = 1) shows what a free second core gives.", ""]
    L += [f"### N = {nsmall:,}: the cost of creating a worker", "",
          "With a thousand terms the sum takes microseconds; the wall time is starting "
          "the program plus creating, running and collecting K workers.", "",
          "The last two columns are (wall time at K − wall time at K = 1, the faster of "
          "the two modes) ÷ (K − 1): what each worker beyond the first added (left out "
          "below K = 16, where the difference is within the noise of starting the "
          "program).", "",
          "| K | proc wall ms | thread wall ms | proc CPU ms | thread CPU ms | "
          "proc µs per worker | thread µs per worker |",
          "|---:|---:|---:|---:|---:|---:|---:|"]
    # One worker costs the same in both modes up to the fork or the
    # pthread_create: the faster median of the two is the baseline.
    base = min(m(small, mo, 1) for mo in MODES)
    for k in KS:
        pw, tw = [[x["wall"] for x in small[mo][k]] for mo in MODES]
        L.append(f"| {k} | {med(pw) * 1000:.2f} ({min(pw) * 1000:.2f}–{max(pw) * 1000:.2f}) | "
                 f"{med(tw) * 1000:.2f} ({min(tw) * 1000:.2f}–{max(tw) * 1000:.2f}) | "
                 f"{(m(small, 'proc', k, 'user') + m(small, 'proc', k, 'sys')) * 1000:.2f} | "
                 f"{(m(small, 'thread', k, 'user') + m(small, 'thread', k, 'sys')) * 1000:.2f} | "
                 + " | ".join("–" if k < 16 else
                              f"{round((m(small, mo, k) - base) / (k - 1) * 1e6)}"
                              for mo in MODES) + " |")
    low = [k for k in KS if k <= 64]
    per = {mo: slope(low, [m(small, mo, k) for k in low]) * 1e6 for mo in MODES}
    cpu = {mo: slope(low, [m(small, mo, k, "user") + m(small, mo, k, "sys") for k in low]) * 1e6
           for mo in MODES}
    top = {mo: (m(small, mo, KS[-1]) - m(small, mo, KS[-2])) / (KS[-1] - KS[-2]) * 1e6
           for mo in MODES}
    L += ["",
          f"Per worker, up to K = 64 (the least-squares slope of the median times against "
          f"K): a process costs **{per['proc']:.0f} µs** of wall time ({cpu['proc']:.0f} µs "
          f"of CPU), a thread **{per['thread']:.0f} µs** ({cpu['thread']:.0f} µs of CPU), "
          f"{per['proc'] / per['thread']:.1f} times less. From K = {KS[-2]} to {KS[-1]} each "
          f"added worker cost {top['proc']:.0f} µs as a process and {top['thread']:.0f} µs "
          f"as a thread. A fork copies the parent's page "
          f"tables and descriptor table and marks its memory copy-on-write; the child then "
          f"faults in the pages it touches, exits (the kernel tears its address space down) "
          f"and is reaped with waitpid, and each worker has its pipe to create, read and "
          f"close. A thread shares the address space: pthread_create maps a stack (glibc "
          f"caches the stacks of joined threads) and clones, and the join is a futex wait. "
          f"The parent creates the workers one after another, so this cost is serial: "
          f"K = {KS[-1]} processes took {m(small, 'proc', KS[-1]) * 1000:.0f} ms where one "
          f"took {m(small, 'proc', 1) * 1000:.1f}; {KS[-1]} threads "
          f"{m(small, 'thread', KS[-1]) * 1000:.0f} ms.", ""]
    sc = s.get("strace")
    if sc:
        closes = sc.get("close", 0)
        L += [f"System calls of one untimed `sumsq --mode proc -j {KS[-1]} {nsmall}` under "
              f"`strace -f -c` (the parent and its children): "
              + ", ".join(f"{c:,} {n}" for n, c in sorted(sc.items(), key=lambda kv: -kv[1])[:6])
              + ".", ""]
        if closes > 4 * KS[-1]:
            L += [f"The {closes:,} close() calls are why the cost per process grows with K: "
                  f"each child closes, one call each, the read ends of the earlier workers' "
                  f"pipes that it inherited, so worker i makes i calls and the K workers "
                  f"K(K−1)/2 = {KS[-1] * (KS[-1] - 1) // 2:,} in all (a fork also copies a "
                  f"descriptor table that grows with K). One close_range(2) call per child "
                  f"would make that part constant."]
        L.append("")
    return L


# ---- main ----------------------------------------------------------------------

def options():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="64 MiB file, 3 rounds, N = 10^8 (a smoke run)")
    ap.add_argument("--size", type=int, default=1024, help="size of the text file, MiB (1024)")
    ap.add_argument("--reps", type=int, default=5, help="rounds per grep/cat case (5)")
    ap.add_argument("--dir", help="where to put the file (default: $TMPDIR or /tmp, unless "
                                  "in memory, then /var/tmp, then build/)")
    ap.add_argument("--sumsq-n", type=int, default=10 ** 9,
                    help="the large N (10^9: about 1.5 s for one worker here)")
    ap.add_argument("--sumsq-small-n", type=int, default=1000, help="the small N (1000)")
    ap.add_argument("--sumsq-reps", type=int, default=5, help="rounds with the large N (5)")
    ap.add_argument("--small-reps", type=int, default=7, help="rounds with the small N (7)")
    ap.add_argument("--only", default="grep,cat,sumsq",
                    help="comma-separated parts to run: grep, cat, sumsq")
    ap.add_argument("--out", default=str(ROOT / "bench" / "toolbox.md"))
    a = ap.parse_args()
    if a.quick:
        a.size, a.reps, a.sumsq_n, a.sumsq_reps, a.small_reps = 64, 3, 10 ** 8, 2, 3
    a.parts = set(a.only.split(","))
    a.svg = pathlib.Path(a.out).with_name(pathlib.Path(a.out).stem + "-sumsq.svg")
    if not a.parts <= {"grep", "cat", "sumsq"}:
        ap.error("--only takes grep, cat, sumsq")
    return a


def main():
    a = options()
    need = {"grep": ["mgrep"], "cat": ["mcat"], "sumsq": ["sumsq"]}
    for part in a.parts:
        for prog in need[part]:
            if not (BIN / prog).exists():
                raise Failed(f"{BIN / prog} is missing: run make {BIN.parent.name}/bin/{prog}")
    for prog in ("grep", "cat"):
        if prog in a.parts and not shutil.which(prog):
            raise Failed(f"{prog} is not on PATH")
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    res, info = {}, {}
    if a.parts & {"grep", "cat"}:
        size = a.size * MIB
        d, info["fstype"] = pick_dir(a, 2 * size + 256 * MIB)
        info["dir_shown"] = str(d.parent) + "/osnet-bench-toolbox-*"
        try:
            path = d / "text.txt"
            progress(f"writing {a.size} MiB of text to {path} ...")
            info["file"] = make_text(path, size, SEED)
            progress(f"  {info['file']['lines']:,} lines; reading it once into the page cache")
            info["resident"] = warm(path)
            if "grep" in a.parts:
                res["grep"] = bench_grep(a, path)
            if "cat" in a.parts:
                res["cat"] = bench_cat(a, path, d)
            res["strace"] = syscall_profile(path, d)
            res["simd"] = simd_count(BIN.parent / "obj" / "grep" / "match.o")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    if "sumsq" in a.parts:
        big = sumsq_series(a.sumsq_n, a.sumsq_reps, "large N")
        small = sumsq_series(a.sumsq_small_n, a.small_reps, "small N")
        res["sumsq"] = {"big": big, "small": small, "nbig": a.sumsq_n,
                        "nsmall": a.sumsq_small_n,
                        "strace": sumsq_strace(KS[-1], a.sumsq_small_n)}
        write_svg(a.svg, big, small, a.sumsq_n, a.sumsq_small_n)
        progress(f"wrote {a.svg}")
    report(a, info, res, time.monotonic() - started, (load0, os.getloadavg()[0]))


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        sys.exit(f"bench-toolbox: {e}")
