"""System experiments of `make bench` (bench/run.py): what a worker costs as a
process and as a thread, and the memory mountain of this machine.

system.fork-thread. `sumsq --mode proc|thread -j K N` (specs/sumsq.md) with
a small N, so that the sum itself takes microseconds and the wall time is
starting the program plus creating, running and collecting K workers: K
forks, exits, pipe reads and waitpids in proc mode, K pthread_creates and
joins in thread mode. For each K (1, 2, 4, 16, 64, 256; fewer under
--quick) the two modes alternate through ctx.alternate; each call is a
batch of runs (spawned with posix_spawn and reaped with wait4, as
bench/toolbox.py does; every printed sum checked against N(N+1)(2N+1)/6)
and gives the batch's median wall time, and the figure of a (mode, K) is
the median over the rounds. The cost of one more worker of each kind is the
least-squares slope of wall time against K; the table's conclusion gives
both slopes and their ratio. When build/bench/pool_bench is there (make
build/bench/pool_bench), it also times, inside one process, a thread
created and joined per empty task against a task handed to a pool of two
workers (bench/pool_bench.c), alternating the same way.

system.mountain. build/bin/locality (specs/locality.md) over working sets
of 4 KiB to 256 MiB, strides 1 to 64 elements and the random chase,
through bench/locality.py's own functions (its mountain() shares a time
budget among the points, largest sets first; a point is the fastest of
its ~1 ms batches). Records: a curve of read throughput against
working-set size for strides 1, 2, 4, 8, 16, 32, 64 and random, with the
whole surface (every stride) attached for report.py's 3-D plot, and a
table of the cache ridges read off the data (locality.ridges against the
cache sizes in /sys/devices/system/cpu/cpu0/cache) whose conclusion
compares the first ridge with the last.
"""
import argparse
import os
import statistics
import subprocess
import time

import locality as loc
import toolbox
from run import Experiment

KS = [1, 2, 4, 16, 64, 256]
KS_QUICK = [1, 4, 16, 64]
SUMSQ_N = 10000
MODES = ["proc", "thread"]
KIB, MIB = 1 << 10, 1 << 20


def med(xs):
    return statistics.median(xs)


def fmt(x, digits=3):
    """A figure with `digits` significant digits and thousands separators."""
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    places = digits - 1 - int(f"{abs(x):e}".split("e")[1])
    return f"{x:.{max(0, places)}f}"


def slope(xs, ys):
    """Least-squares slope of ys against xs."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


# ---- system.fork-thread --------------------------------------------------------------

def sumsq_once(ctx, mode, k, n):
    """Wall seconds of one `sumsq --mode mode -j k n`, from the spawn to the
    exit (toolbox.run); raises unless it printed the right sum."""
    want = f"{n * (n + 1) * (2 * n + 1) // 6}\n".encode()
    argv = [str(ctx.bin / "sumsq"), "--mode", mode, "-j", str(k), str(n)]
    x = toolbox.run(argv, "pipe")
    if x["status"] != 0 or x["head"] != want:
        raise RuntimeError(f"`{' '.join(argv)}`: status {x['status']}, printed "
                           f"{x['head'][:80]!r} (want {want!r}), stderr {x['err'][:300]!r}")
    return x["wall"]


def batch(ctx, mode, k, n, runs):
    """A contender for ctx.alternate: `runs` runs in a row, their median wall
    time in ms."""
    def call():
        return 1000 * med(sumsq_once(ctx, mode, k, n) for _ in range(runs))
    return call


def pool_bench(ctx, args):
    """One run of build/bench/pool_bench: wall ns per task."""
    argv = [str(ctx.build / "bench" / "pool_bench"), *map(str, args)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    try:
        wall, _cpu = (float(x) for x in p.stdout.split())
    except ValueError:
        raise RuntimeError(f"`{' '.join(argv)}`: status {p.returncode}, printed "
                           f"{p.stdout[:100]!r}, stderr {p.stderr.strip()[:300]!r}") from None
    if p.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}`: status {p.returncode}")
    return wall


def run_fork_thread(ctx):
    ks = KS_QUICK if ctx.quick else KS
    n = SUMSQ_N
    t_start = time.monotonic()
    # Calibration: every (mode, K) twice, not kept for the figures; checks
    # the sums and tells what one run of each costs here, now (the faster
    # of the two: the first run of a program pays for loading it).
    cost = {}
    for k in ks:
        for m in MODES:
            cost[(m, k)] = min(sumsq_once(ctx, m, k, n) for _ in range(2))
    one_round = sum(cost.values())
    have_pool = (ctx.build / "bench" / "pool_bench").exists()
    # The rest of the time (minus a share for pool_bench) in rounds: runs
    # per call so that reps rounds over every K fit.
    pool_share = ctx.seconds * 0.15 if have_pool else 0
    left = ctx.seconds * 0.85 - (time.monotonic() - t_start) - pool_share
    runs = int(max(1, min(20 if ctx.quick else 200, left / (one_round * ctx.reps))))
    ctx.progress(f"K = {', '.join(map(str, ks))}; one run of each (mode, K) takes "
                 f"{one_round:.2f} s; {ctx.reps} round{'s' if ctx.reps > 1 else ''} of batches of "
                 f"{runs}")
    got = {}
    for k in ks:
        got[k] = ctx.alternate({m: batch(ctx, m, k, n, runs) for m in MODES})
        ctx.progress(f"K={k}: proc {med(got[k]['proc']):.2f} ms, thread "
                     f"{med(got[k]['thread']):.2f} ms")
    tasks = None
    notes = [f"Each figure is the median of {ctx.reps} round{'s' if ctx.reps > 1 else ''}; a "
             f"round's figure is the median of a batch of {runs} runs of the program. Wall "
             f"time from posix_spawn to wait4, "
             f"load average {os.getloadavg()[0]:.1f} at the end."]
    if have_pool:
        reps = max(3, ctx.reps)
        nthreads, ntasks = (500, 20000) if ctx.quick else (2000, 100000)
        tasks = ctx.alternate({"thread per task": lambda: pool_bench(ctx, ["thread", nthreads]),
                               "pool, 2 workers": lambda: pool_bench(ctx, ["pool", 2, ntasks])},
                              reps=reps)
        ctx.progress(f"pool_bench: thread per task {med(tasks['thread per task']):.0f} ns, "
                     f"pool {med(tasks['pool, 2 workers']):.0f} ns")
        tt, pt = tasks["thread per task"], tasks["pool, 2 workers"]
        notes.append(f"pool_bench (bench/pool_bench.c), {reps} alternating rounds: "
                     f"`pool_bench thread {nthreads}` (a pthread_create and join per empty task, "
                     f"one after another) {min(tt):,.0f}–{max(tt):,.0f} ns a task; `pool_bench "
                     f"pool 2 {ntasks}` (empty tasks through a pool of 2 workers) "
                     f"{min(pt):,.0f}–{max(pt):,.0f} ns a task; the conclusion gives the "
                     f"medians.")
    else:
        notes.append("build/bench/pool_bench is not built (make build/bench/pool_bench): the "
                     "thread-per-task against pool figures are left out.")
    return fork_thread_records(ctx, ks, n, runs, got, tasks, notes)


def fork_thread_records(ctx, ks, n, runs, got, tasks, notes):
    medians = {m: {k: med(got[k][m]) for k in ks} for m in MODES}
    per = {m: {k: (medians[m][k] - medians[m][1]) / (k - 1) * 1000 for k in ks if k > 1}
           for m in MODES}
    slopes = {m: slope(ks, [medians[m][k] for k in ks]) * 1000 for m in MODES}  # µs/worker
    curve = {
        "kind": "curve", "id": "system.fork-thread",
        "title": "sumsq: a worker as a process or as a thread",
        "what": f"`sumsq --mode proc|thread -j K {n:,}`: K workers forked (pipe, waitpid) or "
                f"started as pthreads (join); so small an N that the wall time is starting the "
                f"program and creating and collecting the workers. Median wall time of a run, "
                f"modes alternating in {ctx.reps} round{'s' if ctx.reps > 1 else ''}.",
        "x": "K, workers", "xlog": True,
        "panels": [
            {"y": "wall time per run, ms", "ylog": True,
             "series": [{"name": f"--mode {m}", "points": [[k, medians[m][k]] for k in ks]}
                        for m in MODES]},
            {"y": "added per worker, µs: (t(K) − t(1)) / (K − 1)", "ylog": False,
             "series": [{"name": f"--mode {m}", "points": [[k, per[m][k]] for k in ks if k > 1]}
                        for m in MODES]}],
        "notes": notes}
    def spread(xs):
        return fmt(med(xs)) if len(xs) < 2 else f"{fmt(med(xs))} ({fmt(min(xs))}–{fmt(max(xs))})"

    rows = []
    for k in ks:
        p, t = got[k]["proc"], got[k]["thread"]
        rows.append([k, spread(p), spread(t),
                     fmt(med(p) / med(t)),
                     fmt(per["proc"][k]) if k > 1 else "",
                     fmt(per["thread"][k]) if k > 1 else ""])
    sp, st = slopes["proc"], slopes["thread"]
    if sp > 0 and st > 0:
        concl = (f"Each worker added {fmt(sp)} µs as a process (fork, exit, a pipe read, "
                 f"waitpid) and {fmt(st)} µs as a thread (pthread_create, join): the "
                 f"least-squares slopes of wall time against K = {ks[0]}..{ks[-1]}. A process "
                 f"cost {fmt(sp / st)}× a thread"
                 + (" (more than the thread: it copies the page tables and the kernel's "
                    "process state; the thread shares them)." if sp > st else "."))
    else:
        concl = (f"The slopes of wall time against K came out {fmt(sp)} µs per process and "
                 f"{fmt(st)} µs per thread: one of them is not above zero, so this run "
                 f"(load {os.getloadavg()[0]:.1f}) did not measure a per-worker cost.")
    if tasks:
        tt, pt = med(tasks["thread per task"]), med(tasks["pool, 2 workers"])
        concl += (f" Inside one process (pool_bench), creating and joining a thread per empty "
                  f"task cost {fmt(tt / 1000)} µs a task, handing the task to a pool of 2 "
                  f"workers {fmt(pt / 1000)} µs: {fmt(tt / pt)}×.")
    table = {
        "kind": "table", "id": "system.fork-thread.table",
        "title": "sumsq: wall time per run and cost per worker",
        "what": curve["what"] + " Figures: median (fastest–slowest round).",
        "columns": ["K", "proc ms", "thread ms", "proc ÷ thread", "proc µs per added worker",
                    "thread µs per added worker"],
        "rows": rows, "conclusion": concl}
    return [curve, table]


# ---- system.mountain -------------------------------------------------------------------

def run_mountain(ctx):
    quick = ctx.quick
    budget = ctx.seconds * 0.8
    a = argparse.Namespace(
        min_size=4 * KIB, max_size=largest_size(budget, quick),
        max_stride=16 if quick else 64,
        # Two passes over the mountain when there is time for both (each
        # point keeps its faster round); the fixed costs of the largest sets
        # (writing them, building the random cycle) come out of the budget,
        # hence the margin.
        rounds=2 if ctx.seconds >= 120 and not quick else 1,
        budget=budget, time=None, reps=None)
    saved = loc.progress, loc.BIN
    loc.progress, loc.BIN = ctx.progress, ctx.bin
    t0 = time.monotonic()
    try:
        data, how, runs = loc.mountain(a)
    finally:
        loc.progress, loc.BIN = saved
    took = time.monotonic() - t0
    cs = loc.caches()
    return mountain_records(ctx, a, data, cs, took)


def largest_size(budget, quick):
    """The largest working set the budget pays for: 256 MiB at the default
    budget (16 MiB under --quick), more (up to 1 GiB) with a larger one,
    less with a smaller one. A set of s MiB costs about 25 ms per MiB
    whatever the time per point (mapping and writing it, building the
    random cycle; measured here with load ~9), and the sizes below it
    together about as much again: that must stay under 45% of the budget.
    Never more than a quarter of the memory available."""
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(line.split()[1]) * KIB for line in f
                         if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        avail = 1 << 30
    top = 16 * MIB if quick else 1 << 30
    size = 16 * MIB
    while (size * 2 <= top and size * 2 <= avail // 4
           and 2 * 0.025 * (size * 2 / MIB) <= 0.45 * budget):
        size *= 2
    return size


def mountain_records(ctx, a, data, cs, took):
    sizes = list(data)
    shown = [s for s in loc.SHOWN if s <= a.max_stride]
    strides = list(range(1, a.max_stride + 1))
    series = [{"name": f"stride {s}", "points": [[size, data[size][s]] for size in sizes]}
              for s in shown]
    series.append({"name": "random", "points": [[size, data[size][0]] for size in sizes]})
    marks = []
    for level, name in ((1, "L1d"), (2, "L2"), (3, "L3")):
        b = loc.data_cache(cs, level)
        if b and sizes[0] <= b <= sizes[-1] * 4:
            marks.append({"x": b, "label": f"{name} {loc.human(b)}"})
    what = (f"build/bin/locality: read throughput of working sets {loc.size_text(sizes[0])} to "
            f"{loc.size_text(sizes[-1])}, strides 1 to {a.max_stride} elements of 8 bytes "
            f"and a random pointer chase; {len(sizes) * (a.max_stride + 1)} points in "
            f"{took:.0f} s ({a.rounds} round{'s' if a.rounds > 1 else ''}), each point the "
            f"fastest of its ~1 ms batches.")
    curve = {
        "kind": "curve", "id": "system.mountain",
        "title": f"Memory mountain: {loc.cpu_name()}",
        "what": what, "x": "working set, bytes", "xlog": True, "xformat": "bytes",
        "marks": marks,
        "panels": [{"y": "read throughput, MB/s", "ylog": True, "series": series}],
        "surface": {"sizes": sizes, "strides": strides,
                    "mbps": [[round(data[size][s], 1) for s in strides] for size in sizes]},
        "notes": [f"Load average {os.getloadavg()[0]:.1f} at the end; the machine's other work "
                  f"only ever lowers a point, so a single dent its neighbours do not share is "
                  f"noise. The dashed lines are the cache sizes the kernel reports."]}
    l3 = loc.data_cache(cs, 3)
    if l3 and sizes[-1] < 2 * l3:
        curve["notes"].append(
            f"The largest set measured ({loc.size_text(sizes[-1])}, what this budget pays "
            f"for) is not twice the L3 the kernel reports ({loc.human(l3)}): the right end of "
            f"the curve is L3 and memory mixed, not main memory alone.")
    R = loc.ridges(data, cs)
    rows = []
    for r in R:
        rows.append([r["name"], f"{r['what']}: {', '.join(loc.size_text(s) for s in r['sizes'])}",
                     fmt(r["s1"]) if "s1" in r else "", fmt(r["s8"]) if "s8" in r else "",
                     fmt(r["s0"]) if "s0" in r else "",
                     fmt(8000 / r["s0"]) if r.get("s0") else ""])
    table = {
        "kind": "table", "id": "system.mountain.ridges",
        "title": "Memory mountain: the cache ridges",
        "what": ("A ridge is the range of sizes one cache level holds (cache sizes from "
                 "/sys/devices/system/cpu/cpu0/cache); figures are medians over its sizes. The "
                 "random chase reads 8 bytes at a time, one after the other: 8000 ÷ its MB/s "
                 "is the latency of a read in ns."),
        "columns": ["ridge", "sizes", "stride 1 MB/s", "stride 8 MB/s", "random MB/s",
                    "random ns per read"],
        "rows": rows, "conclusion": ridge_conclusion(R, cs)}
    return [curve, table]


def ridge_conclusion(R, cs):
    caches = ", ".join(f"L{c['level']}{'d' if c['type'] == 'Data' else ''} "
                       f"{loc.human(c['bytes']) if c['bytes'] else c['size']}"
                       for c in cs if c["type"] in ("Data", "Unified"))
    full = [r for r in R if r.get("s1") and r.get("s0") and r.get("s8")]
    if len(full) < 2:
        return (f"Caches reported: {caches or 'none'}. Fewer than two ridges fall within the "
                f"sizes measured, so no step between levels can be read off this run.")
    hi, lo = full[0], full[-1]
    text = (f"Caches reported: {caches}. From the {hi['name']} ridge to the {lo['name']} "
            f"ridge, stride 1 falls {fmt(hi['s1'] / lo['s1'])}× ({fmt(hi['s1'])} to "
            f"{fmt(lo['s1'])} MB/s), stride 8 {fmt(hi['s8'] / lo['s8'])}× and the random chase "
            f"{fmt(hi['s0'] / lo['s0'])}× ({fmt(8000 / hi['s0'])} to {fmt(8000 / lo['s0'])} ns "
            f"per read).")
    text += (f" On the {lo['name']} ridge stride 1 reads {fmt(lo['s1'] / lo['s8'])}× as fast as "
             f"stride 8 and {fmt(lo['s1'] / lo['s0'])}× as fast as the random chase"
             + (": sequential reads use every byte of a line and the prefetcher runs ahead."
                if lo["s1"] > lo["s8"] > lo["s0"] else "."))
    # A cache answers a dependent read in tens of ns at most; main memory
    # takes more. A cache ridge slower than that was mostly read from
    # memory: the cache is shared (an L3 with the other cores and whatever
    # runs on them) or smaller than reported.
    slow = [r for r in full if r["name"] != "memory" and 8000 / r["s0"] > 60]
    if slow:
        r = slow[0]
        text += (f" A random read on the {r['name']} ridge took {fmt(8000 / r['s0'])} ns, which "
                 f"is main-memory latency rather than a cache's: those sets were mostly not "
                 f"held in {r['name']} for this program (a shared cache holds the other cores' "
                 f"data too).")
    return text


EXPERIMENTS = [
    Experiment(id="system.fork-thread", weight=25.0, run=run_fork_thread,
               title="fork vs thread: the cost of a worker", needs=["build/bin/sumsq"]),
    Experiment(id="system.mountain", weight=45.0, run=run_mountain,
               title="the memory mountain", needs=["build/bin/locality"]),
]
