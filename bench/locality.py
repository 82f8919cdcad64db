#!/usr/bin/python3
"""`make bench-locality`: the memory mountain of this machine. Runs
build/bin/locality (specs/locality.md) over working sets of 4 KiB to
1 GiB, strides 1 to 64 and the random chase, and writes

  bench/locality.md    the machine and its caches, the ridges read off the
                       data, a table of selected strides, every point
  bench/locality.png   the mountain as a 3-D surface (gnuplot, pngcairo)
  bench/locality.svg   the same surface as SVG
  bench/locality-rows.svg  throughput against size for a few strides and the
                       random chase, log scales, the cache sizes marked

The whole run has a time budget (--budget, 300 s by default), split
between --rounds (2) measurements of the whole mountain; each point keeps
its faster round. Within a round locality runs once per size, from the
largest down: each size gets a --time per point that shares what is left
of the round's budget among the points left, so that the large sets,
whose passes cost their time whatever --time says, are paid for first and
the small sets share the rest. Progress goes to stderr.

The machine's caches come from /sys/devices/system/cpu/cpu0/cache/index*/
and lscpu. Other work on the machine slows some points down: each point is
the fastest of --reps batches, which filters most of it, and the report
gives the load average before and after; --wait-load waits for a quieter
machine first.

  bench/locality.py [--budget S] [--rounds N] [--time MS] [--reps R] [--min-size 4K]
                    [--max-size 1G] [--max-stride 64] [--wait-load L]
                    [--quick] [--out bench/locality.md]

Needs gnuplot (gnuplot-nox, tools/install-deps). Never part of make check.
"""
import argparse
import datetime
import os
import pathlib
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
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
HEADER = "size\tstride\tmbps"
# Strides in the report's table and the 2-D plot (plus random).
SHOWN = [1, 2, 4, 8, 16, 32, 64]


class Failed(RuntimeError):
    """Something the report cannot be written without: it ends here."""


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def size_text(n):
    for unit, name in ((GIB, "G"), (MIB, "M"), (KIB, "K")):
        if n >= unit and n % unit == 0:
            return f"{n // unit}{name}"
    return str(n)


def human(n):
    """A cache size for a label: 32K, 1M, 35.8M."""
    if n % MIB and n > MIB:
        return f"{n / MIB:.1f}M"
    return size_text(n)


def parse_size(s):
    m = re.fullmatch(r"([0-9]+)([KkMmGg](?:iB)?)?", s)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {s!r} (4K, 1M, 1G ...)")
    unit = {"k": KIB, "m": MIB, "g": GIB}.get((m.group(2) or " ")[0].lower(), 1)
    return int(m.group(1)) * unit


# ---- the machine --------------------------------------------------------------

def caches():
    """[{level, type, size, line, ways, shared}] of cpu0, from sysfs."""
    out = []
    for d in sorted(pathlib.Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        def rd(name, d=d):
            try:
                return (d / name).read_text().strip()
            except OSError:
                return ""
        size = rd("size")
        m = re.fullmatch(r"(\d+)([KMG]?)", size)
        nbytes = int(m.group(1)) * {"": 1, "K": KIB, "M": MIB, "G": GIB}[m.group(2)] if m else 0
        out.append({"level": int(rd("level") or 0), "type": rd("type"), "size": size,
                    "bytes": nbytes, "line": rd("coherency_line_size"),
                    "ways": rd("ways_of_associativity"), "shared": rd("shared_cpu_list")})
    return out


def data_cache(cs, level):
    """Bytes of the data (or unified) cache of that level, or None."""
    for c in cs:
        if c["level"] == level and c["type"] in ("Data", "Unified"):
            return c["bytes"]
    return None


def lscpu_lines():
    if not shutil.which("lscpu"):
        return []
    p = subprocess.run(["lscpu"], capture_output=True, text=True, env={"LC_ALL": "C"})
    keep = ("Model name", "L1d", "L1i", "L2", "L3", "Hypervisor", "Thread(s) per core",
            "Core(s) per socket", "NUMA node(s)")
    return [" ".join(line.split()) for line in p.stdout.splitlines()
            if line.split(":")[0].strip().startswith(keep)]


def thp():
    try:
        text = pathlib.Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
        m = re.search(r"\[(\w+)\]", text)
        return m.group(1) if m else text.strip()
    except OSError:
        return "unknown"


def wait_for_load(limit, most):
    """Waits (at most `most` seconds) for the 1-minute load average to fall
    below limit. Returns (load when we started, seconds waited)."""
    t0 = time.monotonic()
    first = os.getloadavg()[0]
    while os.getloadavg()[0] >= limit and time.monotonic() - t0 < most:
        progress(f"  load {os.getloadavg()[0]:.2f} >= {limit}: waiting "
                 f"({time.monotonic() - t0:.0f}/{most:.0f} s) ...")
        time.sleep(15)
    return first, time.monotonic() - t0


# ---- the runs -----------------------------------------------------------------

def run_size(size, a, time_ms):
    """One locality run for one size: {stride: mbps} (0 = random), and the
    seconds it took."""
    # Batches of about a millisecond unless told: the shorter a batch, the
    # better its chance to run without another program taking the core in
    # the middle, and the fastest batch is what a point reports.
    reps = a.reps or max(1, min(1000, time_ms))
    argv = [str(BIN / "locality"), "--min-size", str(size), "--max-size", str(size),
            "--max-stride", str(a.max_stride), "--time", str(time_ms), "--reps", str(reps)]
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, env={"LC_ALL": "C"})
    took = time.monotonic() - t0
    if p.returncode != 0:
        raise Failed(f"{' '.join(argv)}: exit status {p.returncode}: {p.stderr.strip()[-400:]}")
    lines = p.stdout.splitlines()
    if not lines or lines[0] != HEADER:
        raise Failed(f"{' '.join(argv)}: no header: {p.stdout[:200]!r}")
    got = {}
    for line in lines[1:]:
        s, stride, mbps = line.split("\t")
        if int(s) != size:
            raise Failed(f"{' '.join(argv)}: a row of size {s}")
        got[0 if stride == "random" else int(stride)] = float(mbps)
    want = set(range(1, a.max_stride + 1)) | {0}
    if set(got) != want:
        raise Failed(f"{' '.join(argv)}: rows for strides {sorted(got)}, {sorted(want)} expected")
    return got, took


def mountain(a):
    """Every point measured a.rounds times: returns ({size: {stride: best
    mbps}}, {size: [(time_ms, seconds) per round]}, {size: {stride: [mbps
    per round]}}). Each round has its share of the budget and goes from
    the largest size down."""
    sizes = []
    s = a.min_size
    while s <= a.max_size:
        sizes.append(s)
        s *= 2
    per_size = a.max_stride + 1
    start = time.monotonic()
    runs = {size: {} for size in sizes}
    how = {size: [] for size in sizes}
    for r in range(a.rounds):
        end = start + a.budget * (r + 1) / a.rounds
        for i, size in enumerate(reversed(sizes)):
            if a.time:
                time_ms = a.time
            else:
                left = end - time.monotonic()
                points = (len(sizes) - i) * per_size
                # Each point costs about 1.5 times its --time (the
                # calibration batches, the warm-up, the last batch past the
                # budget's end).
                time_ms = max(1, min(60000, int(left * 1000 / points / 1.5)))
            progress(f"  round {r + 1}/{a.rounds}, {size_text(size)} ({i + 1} of {len(sizes)}): "
                     f"--time {time_ms} ...")
            got, took = run_size(size, a, time_ms)
            for stride, mbps in got.items():
                runs[size].setdefault(stride, []).append(mbps)
            how[size].append((time_ms, took))
            progress(f"    {took:.1f} s: stride 1 {got[1]:.0f} MB/s, random {got[0]:.0f} MB/s")
    # Other work only ever slows a point down: the faster round is the one
    # it disturbed less.
    data = {size: {k: max(v) for k, v in runs[size].items()} for size in sizes}
    return data, how, runs


# ---- the plots ------------------------------------------------------------------

def gnuplot(script, output):
    """Runs a gnuplot script that writes `output`; fails unless it did."""
    output = pathlib.Path(output)
    output.unlink(missing_ok=True)
    p = subprocess.run(["gnuplot"], input=script.encode(), capture_output=True)
    err = p.stderr.decode(errors="replace").strip()
    if p.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        raise Failed(f"gnuplot did not write {output}: {err[-600:]}")


def size_tics(sizes, every=1):
    """gnuplot tics for log2(size), labelled 4K, 8K ..."""
    return ", ".join(f'"{size_text(s)}" {s.bit_length() - 1}' for s in sizes[::every])


def plot_surface(data, a, d, cs):
    """The mountain: x stride, y log2 size, z MB/s (pm3d surface)."""
    grid = d / "grid.dat"
    with open(grid, "w") as f:
        for size, row in data.items():
            for s in range(1, a.max_stride + 1):
                f.write(f"{s} {size.bit_length() - 1} {row[s]:.1f}\n")
            f.write("\n")
    sizes = list(data)
    top = max(v for row in data.values() for k, v in row.items() if k) * 1.05
    title = f"Memory mountain: {cpu_name()}"
    common = f"""
set title "{title}" font ",13"
set xlabel "Stride (× 8 bytes)" offset 0,-1
set ylabel "Working set (bytes)" offset 2,0
set zlabel "Read throughput (MB/s)" rotate by 90 offset -2,0
set xrange [1:{a.max_stride}]
set yrange [{sizes[-1].bit_length() - 1}:{sizes[0].bit_length() - 1}]
set zrange [0:{top:.0f}]
set ytics ({size_tics(sizes, 2)})
set xtics ({", ".join(f'"s{s}" {s}' for s in (1, 8, 16, 32, 48, 64) if s <= a.max_stride)})
set ztics format "%.0f"
set view 58, 32, 1, 1.1
set ticslevel 0
set grid x y z
set pm3d depthorder border lc rgb "#404040" lw 0.3
set palette defined (0 "#2c3e7a", 0.25 "#2e86c1", 0.5 "#48c9b0", 0.75 "#f4d03f", 1 "#e74c3c")
set cbrange [0:{top:.0f}]
unset colorbox
set key off
splot "{grid}" using 1:2:3 with pm3d
"""
    gnuplot(f'set terminal pngcairo size 1200,900 font "DejaVu Sans,11"\n'
            f'set output "{a.png}"\n' + common, a.png)
    gnuplot(f'set terminal svg size 1200,900 dynamic font "DejaVu Sans,11" background "white"\n'
            f'set output "{a.svg}"\n' + common, a.svg)


def plot_rows(data, a, d, cs):
    """Throughput against size, one line per shown stride and random."""
    shown = [s for s in SHOWN if s <= a.max_stride]
    rows = d / "rows.dat"
    with open(rows, "w") as f:
        f.write("size " + " ".join(f'"stride {s}"' for s in shown) + ' "random"\n')
        for size, row in data.items():
            f.write(f"{size} " + " ".join(f"{row[s]:.1f}" for s in shown) + f" {row[0]:.1f}\n")
    marks = []
    for level, name in ((1, "L1d"), (2, "L2"), (3, "L3")):
        b = data_cache(cs, level)
        if b:
            marks.append(f'set arrow from {b}, graph 0 to {b}, graph 1 nohead dt 2 '
                         f'lc rgb "#888888"')
            marks.append(f'set label "{name} {human(b)}" at {b}, '
                         f'graph 0.97 offset 0.5,0 font ",10" tc rgb "#555555"')
    sizes = list(data)
    n = len(shown) + 1
    gnuplot(f"""set terminal svg size 900,560 dynamic font "DejaVu Sans,11" background "white"
set output "{a.rows_svg}"
set title "Read throughput against working-set size ({cpu_name()})" font ",12"
set logscale x 2
set logscale y 10
set xrange [{sizes[0]}:{sizes[-1]}]
set xtics ({", ".join(f'"{size_text(s)}" {s}' for s in sizes[::2])})
set xlabel "Working set (bytes)"
set ylabel "MB/s (log scale)"
set grid
set key outside right top
{chr(10).join(marks)}
plot for [i=2:{n + 1}] "{rows}" using 1:i with linespoints pt 7 ps 0.5 lw 1.5 title columnheader(i)
""", a.rows_svg)


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip().replace('"', "")
    except OSError:
        pass
    return "this machine"


# ---- the report --------------------------------------------------------------------

def ridges(data, cs):
    """The plateaus: per region (L1, L2, L3, memory), the sizes in it and
    the median over them of stride 1, stride 8 and random MB/s."""
    l1, l2, l3 = (data_cache(cs, k) for k in (1, 2, 3))
    regions = []
    if l1:
        regions.append(("L1", lambda s: s <= l1, f"up to {size_text(l1)} (L1d)"))
    if l1 and l2:
        regions.append(("L2", lambda s: l1 < s <= l2 // 2,
                        f"{size_text(2 * l1)} to half of L2 ({size_text(l2 // 2)})"))
    if l2 and l3:
        regions.append(("L3", lambda s: l2 < s <= l3 // 2, "above L2, to half of L3"))
    if l3:
        regions.append(("memory", lambda s: s >= 4 * l3, "4 × L3 and above"))
    out = []
    for name, inside, what in regions:
        sizes = [s for s in data if inside(s)]
        if not sizes:
            continue
        med = {k: statistics.median(data[s][k] for s in sizes)
               for k in (1, 8, 0) if all(k in data[s] for s in sizes)}
        out.append({"name": name, "what": what, "sizes": sizes,
                    **{f"s{k}": v for k, v in med.items()}})
    return out


def pow2_dip(data, max_stride):
    """The deepest dip of a power-of-two stride (16 and up) below its
    neighbours' average: (size, stride, mbps, neighbours' mean), or None."""
    best = None
    for size, row in data.items():
        for s in (16, 32, 64):
            if s > max_stride:
                continue
            nb = [row[k] for k in (s - 1, s + 1) if k in row and k >= 1]
            if not nb:
                continue
            mean = sum(nb) / len(nb)
            ratio = row[s] / mean
            if best is None or ratio < best[4]:
                best = (size, s, row[s], mean, ratio)
    return best


def report(a, data, how, runs, cs, loads, waited, took):
    shown = [s for s in SHOWN if s <= a.max_stride]
    built = BIN / "locality"
    L = ["# The memory mountain (`make bench-locality`)", "",
         f"Measured {datetime.date.today()} by `make bench-locality` (bench/locality.py"
         f"{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}) with "
         f"`{built.relative_to(ROOT)}` on {machine()}. Working sets {size_text(a.min_size)} "
         f"to {size_text(a.max_size)}, "
         f"strides 1 to {a.max_stride} (elements of 8 bytes) and the random chase; "
         f"{len(data) * (a.max_stride + 1)} points, each measured in {a.rounds} rounds (the "
         f"whole mountain, then again), each time the fastest of its timed batches "
         f"(--reps {a.reps or '= --time: batches of about 1 ms'}); a point's figure is its "
         f"faster round. "
         f"The run took {took / 60:.1f} min"
         + (f" within a budget of {a.budget:.0f} s" if not a.time else "")
         + f". Load average (1 min): {loads[0]:.2f} before"
         + (f" (after waiting {waited:.0f} s for it to fall below {a.wait_load})"
            if a.wait_load else "")
         + f", {loads[1]:.2f} after; the machine has {os.cpu_count()} cores and other work "
           f"ran on it, so single points can be low (see below). Transparent huge pages: "
           f"`{thp()}` (locality does not ask for them: its sets are in 4 KiB pages).", "",
         "![The memory mountain: read throughput against stride and working-set size]"
         "(locality.png)", "",
         "(Also as [SVG](locality.svg).) At the back, the smallest sets, read from L1; "
         "coming forward along the size axis the throughput falls at each cache size, "
         "down to the plain of main memory in front. Along the stride axis, from stride 1 "
         "on the left, it falls until stride 8, where each read needs a line of its own.",
         ""]
    L += ["## The caches", "",
          "From `/sys/devices/system/cpu/cpu0/cache/index*/` (what the kernel was told by "
          "the CPU, or by the hypervisor in a virtual machine):", "",
          "| level | type | size | line | ways | shared by CPUs |", "|---|---|---:|---:|---:|---|"]
    for c in cs:
        L.append(f"| L{c['level']} | {c['type']} | {c['size']} | {c['line']} B | {c['ways']} | "
                 f"{c['shared']} |")
    L += ["", "`lscpu`:", "", "```"] + lscpu_lines() + ["```", ""]
    R = ridges(data, cs)
    L += ["## The ridges", "",
          "Each ridge is a range of sizes held by one level; the figures are the medians over "
          "its sizes. The random chase's time per read is 8 bytes ÷ its throughput: the "
          "latency of that level (plus, past the TLB's reach, a page-table walk).", "",
          "| ridge | sizes | stride 1 MB/s | stride 8 MB/s | random MB/s | random ns per read |",
          "|---|---|---:|---:|---:|---:|"]
    for r in R:
        ns = 8000 / r["s0"] if r.get("s0") else float("nan")
        L.append(f"| {r['name']} | {r['what']}: {', '.join(size_text(s) for s in r['sizes'])} | "
                 f"{r.get('s1', 0):,.0f} | {r.get('s8', 0):,.0f} | {r.get('s0', 0):,.0f} | "
                 f"{ns:.1f} |")
    L.append("")
    byname = {r["name"]: r for r in R}
    if "L1" in byname and "memory" in byname:
        l1, mem = byname["L1"], byname["memory"]
        L += [f"From L1 to main memory, stride 1 falls {l1['s1'] / mem['s1']:.1f} times "
              f"({l1['s1']:,.0f} to {mem['s1']:,.0f} MB/s), stride 8 {l1['s8'] / mem['s8']:.1f} "
              f"times, and the random chase {l1['s0'] / mem['s0']:.0f} times "
              f"({8000 / l1['s0']:.1f} ns to {8000 / mem['s0']:.0f} ns per read). In memory, "
              f"stride 1 is {mem['s1'] / mem['s8']:.1f} times stride 8 and "
              f"{mem['s1'] / mem['s0']:.0f} times the random chase: the same DRAM, read in an "
              f"order the prefetcher follows, a line used 8 times, or one read at a time.", ""]
    L += ["![Read throughput against working-set size, selected strides and the random "
          "chase, log scales](locality-rows.svg)", "",
          "## How to read it", "",
          "- **Temporal locality, along the size axis.** A set that fits in a cache is read "
          "from it on every pass; one that does not is fetched again from the level below. "
          "The throughput falls in steps near the cache sizes (the dashed lines of the "
          "second plot): the flat stretches between are the ridges. The steps are not "
          "sharp: the caches also hold the program's stack and code and the page tables, "
          "and they are not perfectly LRU, so a set of exactly the cache's size already "
          "loses some reads to the next level.",
          "- **Spatial locality, along the stride axis.** Memory moves in 64-byte lines "
          "(8 elements). At stride s below 8 a line serves 8/s reads; from 8 on each read "
          "costs a line, and the slope flattens. At stride 1 the hardware prefetcher "
          "recognises the sequence and fetches ahead, which is why the stride-1 edge stays "
          "high even in main memory.",
          "- **The ridges bend back at large strides.** From stride 8 on, a pass touches "
          "only one line in s/8, so the lines it needs add up to size × 8 / s bytes: at "
          "stride 64 a 1 MiB set touches 128 KiB of lines, which fit in L2. The cliffs "
          "move to larger sizes as the stride grows.",
          "- **Power-of-two strides.** A cache picks the set of a line from the low bits of "
          "its address. At a stride of 16, 32 or 64 elements (128, 256, 512 bytes) the "
          "reads are 2, 4 or 8 lines apart, so only one set in 2, 4 or 8 is ever used: the "
          "cache holds 8 / s of its size of them, the same fraction by which the stride "
          "shrank the pass's footprint. The two cancel, the cliff stays at the cache's size "
          "instead of moving right, and such a stride falls far below its neighbours, whose "
          "reads spread over every set."]
    dip = pow2_dip(data, a.max_stride)
    if dip and dip[4] < 0.8:
        L.append(f"  Here the deepest such dip is at {size_text(dip[0])}, stride {dip[1]}: "
                 f"{dip[2]:,.0f} MB/s against {dip[3]:,.0f} for its neighbours.")
    L += ["- **The smallest sets at large strides** read only a few elements per pass (a "
          "4K set at stride 64: 8 reads), so the loop's own cost (its end, most likely a "
          "branch mispredicted there once per pass) becomes part of the time: the L1 ridge "
          "sags toward the large strides for that reason, not for any cache.",
          "- **The random row** is the floor: each read's address is the value of the read "
          "before (a chase round a random cycle built with Sattolo's algorithm), so the "
          "processor cannot start a read before the last one is back, and the prefetcher "
          "has no pattern to follow. Its throughput is latency, not bandwidth. Past the "
          "reach of the TLB (a few MiB of 4 KiB pages) each read also needs a page-table "
          "walk, which the latencies above include.", ""]
    L += [f"## Throughput, MB/s (strides {', '.join(map(str, shown))} and random)", "",
          "| size | " + " | ".join(f"s{s}" for s in shown) + " | random | --time ms | s |",
          "|---:|" + "---:|" * (len(shown) + 3)]
    for size, row in data.items():
        L.append(f"| {size_text(size)} | " + " | ".join(f"{row[s]:,.0f}" for s in shown)
                 + f" | {row[0]:,.0f} | {', '.join(str(t) for t, _ in how[size])} | "
                 + f"{', '.join(f'{x:.1f}' for _, x in how[size])} |")
    L += ["", "The last two columns, one figure per round: the --time per point locality was "
          "given for that size (what was left of the round's budget shared among the points "
          "left, largest size first) and how long its run took, including mapping and "
          "writing the set once and building the random cycle.", ""]
    L += ["## Noise", "",
          "A point is the fastest of its batches, which filters interruptions shorter than "
          "a batch (a millisecond), and the faster of its rounds, which filters longer ones "
          "that hit one round only. On a shared machine, and in a virtual machine whose "
          "virtual CPU the host may stop for a while, some points still come out low: a dent "
          "at a single (size, stride) that its neighbours do not share is noise, not the "
          "memory system. The large sets are the noisiest: a pass over 1 GiB at stride 1 "
          "takes longer than the whole --time, so such a point gets one or two batches per "
          "round."]
    if a.rounds > 1:
        ratios = sorted(max(v) / min(v) for size in runs for v in runs[size].values())
        far = sum(1 for x in ratios if x > 1.5)
        L.append(f"Here the two rounds of a point differed by a median factor of "
                 f"{statistics.median(ratios):.2f}; {far} of {len(ratios)} points differed by "
                 f"more than 1.5 times." if a.rounds == 2 else
                 f"Here the fastest and slowest rounds of a point differed by a median factor "
                 f"of {statistics.median(ratios):.2f}; {far} of {len(ratios)} points by more "
                 f"than 1.5 times.")
    L += ["", "A quieter machine (`--wait-load 1`), a larger budget (`--budget 900`) or more "
          "rounds smooth the surface. Pinning the program to one core (`taskset -c 1`) keeps "
          "a migration from leaving its data in the other core's L1 and L2.", "",
          "## Every point", "",
          "<details><summary>locality's table, all sizes and strides (TSV)</summary>", "",
          "```", HEADER]
    for size, row in data.items():
        for s in range(1, a.max_stride + 1):
            L.append(f"{size}\t{s}\t{row[s]:.1f}")
        L.append(f"{size}\trandom\t{row[0]:.1f}")
    L += ["```", "", "</details>", ""]
    pathlib.Path(a.out).write_text("\n".join(L))


# ---- main ---------------------------------------------------------------------------

def options():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=float,
                    help="seconds for the whole mountain (300; 30 with --quick), shared "
                         "among the points")
    ap.add_argument("--time", type=int, help="a fixed --time per point in ms, instead of "
                                             "the budget")
    ap.add_argument("--rounds", type=int, default=2,
                    help="measure the whole mountain this many times, keep each point's "
                         "fastest (2)")
    ap.add_argument("--reps", type=int, help="locality --reps (default: --time, which "
                                             "makes batches of about 1 ms)")
    ap.add_argument("--min-size", type=parse_size, default=4 * KIB)
    ap.add_argument("--max-size", type=parse_size, default=GIB)
    ap.add_argument("--max-stride", type=int, default=64)
    ap.add_argument("--wait-load", type=float, default=0,
                    help="first wait (up to --wait-max s) for a load average below this")
    ap.add_argument("--wait-max", type=float, default=600)
    ap.add_argument("--quick", action="store_true",
                    help="4K to 64M, strides 1..16, 30 s (a smoke run)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "locality.md"))
    a = ap.parse_args()
    if a.quick:
        a.max_size, a.max_stride = 64 * MIB, 16
    if a.budget is None:
        a.budget = 30 if a.quick else 300
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    a.png, a.svg = out.with_suffix(".png"), out.with_suffix(".svg")
    a.rows_svg = out.with_name(out.stem + "-rows.svg")
    return a


def main():
    a = options()
    if not (BIN / "locality").exists():
        raise Failed(f"{BIN / 'locality'} is missing: run make "
                     f"{(BIN / 'locality').relative_to(ROOT)}")
    if not shutil.which("gnuplot"):
        raise Failed("gnuplot is missing: apt-get install gnuplot-nox (tools/install-deps)")
    waited = 0.0
    if a.wait_load:
        _, waited = wait_for_load(a.wait_load, a.wait_max)
    load0 = os.getloadavg()[0]
    progress(f"bench-locality: {size_text(a.min_size)}..{size_text(a.max_size)}, strides "
             f"1..{a.max_stride} and random; load {load0:.2f}")
    t0 = time.monotonic()
    data, how, runs = mountain(a)
    took = time.monotonic() - t0
    load1 = os.getloadavg()[0]
    cs = caches()
    with tempfile.TemporaryDirectory(prefix="osnet-bench-locality-") as d:
        plot_surface(data, a, pathlib.Path(d), cs)
        plot_rows(data, a, pathlib.Path(d), cs)
    report(a, data, how, runs, cs, (load0, load1), waited, took)
    progress(f"wrote {a.out}, {a.png}, {a.svg}, {a.rows_svg} ({took / 60:.1f} min)")


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        sys.exit(f"bench-locality: {e}")
