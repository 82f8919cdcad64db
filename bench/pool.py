#!/usr/bin/python3
"""`make bench-pool`: what a task costs when it runs on our thread pool
(impl/threadpool), on a thread of its own, or as a plain function call;
and what psum's workers cost. Writes bench/pool.md.

The tasks. build/bench/pool_bench (bench/pool_bench.c, built by the
Makefile against build/lib/libthreadpool.a) runs N empty tasks one of
three ways and prints the wall time and the process's CPU time per task:

  pool W   one thread submits N tasks (tp_submit) to a pool of W workers
           and a queue of 1024, then tp_wait; creating and destroying the
           pool are not counted (paid once, not per task)
  thread   N times pthread_create + pthread_join of a thread that runs
           the task: a thread per task
  direct   N calls of the task through a function pointer

Each round runs every contender once, in a fresh process, the order
reversed every other round; the report gives the median round and the
fastest and slowest, and ratios of medians with the lowest and highest
ratio of one round's pair.

psum. `psum -j K N` for K = 1, 2, 16, 1024 and N = 2^64 - 1, alternating
the same way; each printed sum is checked against N(N+1)/2. psum adds
each chunk with a formula, so its run time does not depend on N: what the
figures show is what K workers cost, not a speed-up.

Progress goes to stderr. Other work on the machine shares its cores, so
the ratios measured in the same run matter more than the absolute
numbers; the report gives the load average. Never part of make check.

  bench/pool.py [--quick] [--tasks N] [--thread-tasks N] [--workers 1,2,4]
                [--reps R] [--psum-n N] [--psum-k 1,2,16,1024] [--psum-reps R]
                [--only tasks,psum] [--out bench/pool.md]

--quick: 10^5 tasks (2,000 threads, 10^7 calls), 3 rounds (a smoke run).
"""
import argparse
import datetime
import os
import pathlib
import statistics
import subprocess
import sys
import shutil
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import machine  # noqa: E402

BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
DRIVER = BUILD / "bench" / "pool_bench"
PSUM = BUILD / "bin" / "psum"
ENV = {"LC_ALL": "C", "PATH": "/usr/local/bin:/usr/bin:/bin"}


class Failed(RuntimeError):
    """A run did not do what it should: the benchmark ends here."""


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def med(xs):
    return statistics.median(xs)


# ---- the tasks ----------------------------------------------------------------

def driver(args):
    """One run of pool_bench: {"wall", "cpu"} in ns per task."""
    p = subprocess.run([str(DRIVER), *map(str, args)], capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        raise Failed(f"pool_bench {' '.join(map(str, args))}: status {p.returncode}, "
                     f"stderr {p.stderr.strip()[:300]!r}")
    try:
        wall, cpu = (float(x) for x in p.stdout.split())
    except ValueError:
        raise Failed(f"pool_bench {' '.join(map(str, args))}: cannot read {p.stdout!r}")
    return {"wall": wall, "cpu": cpu}


def contenders(a):
    """{name: pool_bench arguments}, in the order of the report."""
    c = {"direct call": ["direct", a.direct_tasks]}
    for w in a.workers:
        c[f"pool, {w} worker{'s' if w > 1 else ''}"] = ["pool", w, a.tasks]
    c["thread per task"] = ["thread", a.thread_tasks]
    return c


def futex_calls(args, d):
    """futex calls (sleeps and wake-ups, mutex and condition variables alike)
    of one untimed pool_bench run under strace -f -c, or None without
    strace."""
    if not shutil.which("strace"):
        return None
    log = pathlib.Path(d) / "strace.txt"
    p = subprocess.run(["strace", "-f", "-c", "-e", "trace=futex", "-o", str(log), str(DRIVER),
                        *map(str, args)], capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        return None
    for line in log.read_text().splitlines():
        f = line.split()
        if f and f[-1] == "futex" and len(f) >= 5 and f[3].isdigit():
            return int(f[3])
    return 0


def bench_tasks(a):
    cmds = contenders(a)
    names = list(cmds)
    got = {n: [] for n in names}
    for r in range(a.reps):
        progress(f"  tasks, round {r + 1}/{a.reps} ...")
        for name in (names if r % 2 == 0 else names[::-1]):
            got[name].append(driver(cmds[name]))
    with tempfile.TemporaryDirectory(prefix="osnet-bench-pool-") as d:
        got["futex"] = {name: futex_calls(cmds[name], d) for name in names
                        if cmds[name][0] == "pool"}
    return got


# ---- psum ---------------------------------------------------------------------

def run_psum(k, n):
    """Wall seconds of one `psum -j k n`, from the spawn to the exit; the sum
    it prints is checked."""
    want = f"{n * (n + 1) // 2}\n".encode()
    t0 = time.perf_counter()
    p = subprocess.run([str(PSUM), "-j", str(k), str(n)], capture_output=True, env=ENV)
    t1 = time.perf_counter()
    if p.returncode != 0 or p.stdout != want:
        raise Failed(f"psum -j {k} {n}: status {p.returncode}, printed {p.stdout[:80]!r} "
                     f"(want {want!r}), stderr {p.stderr[:300]!r}")
    return {"wall": t1 - t0}


def bench_psum(a):
    got = {k: [] for k in a.psum_k}
    for r in range(a.psum_reps):
        progress(f"  psum N={a.psum_n}, round {r + 1}/{a.psum_reps} ...")
        for k in (a.psum_k if r % 2 == 0 else a.psum_k[::-1]):
            got[k].append(run_psum(k, a.psum_n))
    return got


# ---- the report -----------------------------------------------------------------

def ns(x):
    if x >= 10000:
        return f"{x / 1000:,.1f} µs"
    if x >= 100:
        return f"{x:,.0f} ns"
    return f"{x:.1f} ns"


def spread(xs, fmt):
    return f"{fmt(med(xs))} ({fmt(min(xs))}–{fmt(max(xs))})"


def ratio(got, a_name, b_name, key="wall"):
    """(median a ÷ median b, lowest and highest ratio of one round's pair)."""
    xa, xb = [x[key] for x in got[a_name]], [x[key] for x in got[b_name]]
    pairs = [x / y for x, y in zip(xa, xb)]
    return med(xa) / med(xb), min(pairs), max(pairs)


def fmt_ratio(r):
    def f(x):
        return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"
    return f"{f(r[0])} ({f(r[1])}–{f(r[2])})"


def producer(prog):
    p = subprocess.run(["readelf", "--debug-dump=info", str(prog)], capture_output=True,
                       text=True)
    for line in p.stdout.splitlines():
        if "DW_AT_producer" in line and "GNU C" in line:
            return line[line.index("GNU C"):].strip()
    return "?"


def glibc():
    p = subprocess.run(["ldd", "--version"], capture_output=True, text=True)
    first = p.stdout.splitlines()[0] if p.stdout else ""
    return first.rsplit(" ", 1)[-1] if first else "?"


def report(a, tasks, psum, took, loads):
    names = list(contenders(a))
    pools = [n for n in names if n.startswith("pool")]
    busy = (" The machine was shared with other work (builds and test runs of other "
            "sessions) while this ran, so the absolute figures are rough and the spread "
            "wide; the ratios of runs interleaved in the same minutes hold up better."
            if max(loads) > 1.0 else "")
    L = ["# The pool: a task on our thread pool, on a thread of its own, as a call",
         "",
         f"Measured {datetime.date.today()} by `make bench-pool` (bench/pool.py"
         f"{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}) on {machine()}; glibc "
         f"{glibc()}; built by the Makefile (`{producer(DRIVER)}`). Load average (1 min) "
         f"{loads[0]:.2f} at the start, {loads[1]:.2f} at the end.{busy} The whole run took "
         + (f"{took / 60:.1f} min." if took >= 60 else f"{took:.0f} s."), ""]
    if tasks:
        L += ["## Per task: ratios", "",
              "Median wall time per task of the one ÷ the other, with the lowest and highest "
              "ratio of one round's pair in brackets.", "",
              "| | ratio |", "|---|---:|"]
        for p in pools:
            L.append(f"| thread per task ÷ {p} | {fmt_ratio(ratio(tasks, 'thread per task', p))} |")
        for p in pools:
            L.append(f"| {p} ÷ direct call | {fmt_ratio(ratio(tasks, p, 'direct call'))} |")
        L += ["",
              "## Per task: times", "",
              f"Each contender runs in a fresh process of `{DRIVER.relative_to(ROOT)}`, "
              f"{a.reps} rounds, the order of the contenders reversed every other round. "
              f"Wall: from the first task handed over to the last one finished, divided by the "
              f"number of tasks (median round, fastest and slowest in brackets). CPU: the "
              f"process's CPU time over the same span (every thread's, "
              f"CLOCK_PROCESS_CPUTIME_ID), divided likewise: above the wall time when several "
              f"threads are busy at once.", "",
              "| contender | tasks per run | wall per task | CPU per task |",
              "|---|---:|---:|---:|"]
        cmds = contenders(a)
        for n in names:
            xs = tasks[n]
            count = cmds[n][-1]
            L.append(f"| {n} | {count:,} | {spread([x['wall'] for x in xs], ns)} | "
                     f"{ns(med(x['cpu'] for x in xs))} |")
        L += ["", "### What the figures say", ""] + task_notes(a, tasks, pools)
    if psum:
        base = psum[a.psum_k[0]]
        L += ["## psum: one worker against more", "",
              f"`psum -j K {a.psum_n}` ({PSUM.relative_to(ROOT)}) for K = "
              f"{', '.join(map(str, a.psum_k))}, {a.psum_reps} rounds, the order reversed every "
              f"other round; every sum checked against N(N+1)/2. Wall time of the whole "
              f"process, from the spawn to the exit (median round, fastest and slowest in "
              f"brackets); the ratio is -j K ÷ -j {a.psum_k[0]} (below 1: faster).", "",
              f"| K | ÷ -j {a.psum_k[0]} | wall |", "|---:|---:|---:|"]
        for k in a.psum_k:
            xs = [x["wall"] for x in psum[k]]
            pairs = [x["wall"] / y["wall"] for x, y in zip(psum[k], base)]
            L.append(f"| {k} | {med(xs) / med(x['wall'] for x in base):.2f} "
                     f"({min(pairs):.2f}–{max(pairs):.2f}) | {spread(xs, secs)} |")
        L += ["",
              "psum's tasks are not work to share out: each adds its chunk with the formula "
              "(lo + hi)(hi − lo + 1)/2 (specs/psum.md: adding 2⁶⁴ terms one by one would take "
              "centuries), so a run costs the same for any N, and is starting the process, "
              "creating K threads, passing 4K tasks through the queue and joining the threads. "
              "More workers cannot make it faster; the table shows what they cost. A pool "
              "speeds up work whose tasks each take far longer than the few hundred "
              "nanoseconds a task costs on the pool (above).", ""]
    pathlib.Path(a.out).write_text("\n".join(L).rstrip() + "\n")
    progress(f"wrote {a.out}")


def secs(x):
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:,.0f} ms" if x >= 0.0095 else f"{x * 1000:.1f} ms"


def task_notes(a, tasks, pools):
    thr = med(x["wall"] for x in tasks["thread per task"])
    direct = med(x["wall"] for x in tasks["direct call"])
    best = min(pools, key=lambda p: med(x["wall"] for x in tasks[p]))
    bw = med(x["wall"] for x in tasks[best])
    L = [f"- A thread per task costs {ns(thr)}: pthread_create maps (or takes from glibc's "
         f"cache) a stack and clones, the new thread is scheduled, pthread_join waits on a "
         f"futex for it to exit. Nothing of that is shared between tasks.",
         f"- A task on the pool costs {ns(bw)} at best ({best}): a push and a pop under the "
         f"pool's one mutex, with a condition-variable signal each, the task's call, and the "
         f"count of unfinished tasks under the mutex again."]
    fx = tasks.get("futex") or {}
    if fx and all(fx.get(p) is not None for p in pools):
        per = ", ".join(f"{p.split(', ')[1]}: one per {a.tasks / fx[p]:,.0f} tasks"
                        if fx[p] else f"{p.split(', ')[1]}: none" for p in pools)
        L.append(f"  Under `strace -f -c` (one untimed run each) the pool made few futex calls "
                 f"(a thread going to sleep or being woken): {per}. So the threads seldom "
                 f"sleep; what a task costs is the mutex and the queue's cache lines passing "
                 f"between the cores (the submitter writes a slot and the count on one, a "
                 f"worker reads and writes them on the other), and, with more workers than "
                 f"the {os.cpu_count()} cores, workers preempted while they hold the mutex or "
                 f"queue up behind it. More workers than cores add that contention and no "
                 f"parallel work: an empty task has none to share.")
    L += [f"- A direct call costs {ns(direct)}: the floor. A pool pays off when a task does "
          f"much more work than the pool's own cost per task; below that, put many items in "
          f"one task (as psum does with its chunks).", ""]
    return L


# ---- main -------------------------------------------------------------------------

def options():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="10^5 tasks, 2,000 threads, 10^7 calls, 3 rounds (a smoke run)")
    ap.add_argument("--tasks", type=int, default=10 ** 6, help="tasks per pool run (10^6)")
    ap.add_argument("--thread-tasks", type=int, default=20000,
                    help="threads per thread-per-task run (20,000)")
    ap.add_argument("--direct-tasks", type=int, default=10 ** 8,
                    help="calls per direct run (10^8)")
    ap.add_argument("--workers", default="1,2,4", help="pool sizes (1,2,4)")
    ap.add_argument("--reps", type=int, default=7, help="rounds of the task contenders (7)")
    ap.add_argument("--psum-n", type=int, default=2 ** 64 - 1, help="psum's N (2^64 - 1)")
    ap.add_argument("--psum-k", default="1,2,16,1024", help="psum's K (1,2,16,1024)")
    ap.add_argument("--psum-reps", type=int, default=9, help="rounds of psum (9)")
    ap.add_argument("--only", default="tasks,psum", help="tasks, psum or both")
    ap.add_argument("--out", default=str(ROOT / "bench" / "pool.md"))
    a = ap.parse_args()
    if a.quick:
        a.tasks, a.thread_tasks, a.direct_tasks, a.reps = 10 ** 5, 2000, 10 ** 7, 3
        a.psum_reps = 3
    a.workers = [int(w) for w in a.workers.split(",")]
    a.psum_k = [int(k) for k in a.psum_k.split(",")]
    a.parts = set(a.only.split(","))
    if not a.parts <= {"tasks", "psum"}:
        ap.error("--only takes tasks, psum")
    return a


def main():
    a = options()
    for prog, part in ((DRIVER, "tasks"), (PSUM, "psum")):
        if part in a.parts and not prog.exists():
            raise Failed(f"{prog} is missing: run make bench-pool")
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    tasks = bench_tasks(a) if "tasks" in a.parts else None
    psum = bench_psum(a) if "psum" in a.parts else None
    report(a, tasks, psum, time.monotonic() - started, (load0, os.getloadavg()[0]))


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        sys.exit(f"bench-pool: {e}")
