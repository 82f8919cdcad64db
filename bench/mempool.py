#!/usr/bin/python3
"""`make bench-mempool`: the allocators of impl/mempool (the free-list pool,
the same in debug mode, the bitmap pool, the bump arena) against glibc's
malloc and free, for fixed-size blocks, on this machine. Writes
bench/mempool.md.

Every case is one block size (16, 64, 256 bytes), one pattern and one
working set of N blocks:

  lifo    allocate N blocks, then free them, the last allocated first
  fifo    allocate N blocks, then free them, the first allocated first
  random  4N steps of churn from empty, each an allocation (with
          probability 1 - live/N, so about N/2 blocks stay live) or the
          free of a live block picked at random, then the rest freed;
          the steps come from a fixed seed, the same for every contender

The timing is done in C, by build/bench/mempool_bench (bench/mempool_bench.c,
linked with build/lib/libmempool.a): one process per measurement runs the
pattern once untimed, then enough rounds for about --pairs alloc + free
pairs, and prints the mean nanoseconds per pair. The contenders of a case
alternate, in reversed order every other repetition; each figure is the
median of --reps repetitions with the fastest and slowest in brackets, and a
ratio is ours ÷ malloc's median (below 1: ours is faster) with the lowest and
highest ratio of one repetition's pair in brackets. The arena frees nothing
alone: its free is a no-op, and each round ends with one reset, counted in
the time.

Progress goes to stderr. Other work on the machine shares its cores, so
the ratios measured in the same run matter more than the absolute numbers;
the report gives the load average. Never part of make check.

  bench/mempool.py [--quick] [--reps R] [--n N,N...] [--sizes S,S...]
                   [--pairs P] [--seed S] [--out bench/mempool.md]

--quick: 3 repetitions of 500,000 pairs (a smoke run of a few seconds).
"""
import argparse
import datetime
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import machine  # noqa: E402

BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
DRIVER = BUILD / "bench" / "mempool_bench"
LIB = BUILD / "obj" / "mempool" / "pool.o"

# (driver name, column title). malloc first: the others are divided by it.
CONTENDERS = [("malloc", "malloc"), ("pool", "pool"), ("pool-debug", "pool, debug"),
              ("bitmap", "bitmap"), ("arena", "arena")]
OURS = [c for c, _ in CONTENDERS[1:]]
TITLE = dict(CONTENDERS)
PATTERNS = ["lifo", "fifo", "random"]


class Failed(RuntimeError):
    """A run did not do what it should: the benchmark ends here."""


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def measure(who, size, pattern, n, rounds, seed):
    """One run of the driver: nanoseconds per alloc + free pair."""
    argv = [str(DRIVER), who, str(size), pattern, str(n), str(rounds), str(seed)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise Failed(f"{' '.join(argv)} exited with {p.returncode}: {p.stderr.strip()}")
    try:
        return float(p.stdout)
    except ValueError:
        raise Failed(f"{' '.join(argv)} printed {p.stdout!r}") from None


def bench_case(a, size, pattern, n):
    """reps repetitions of every contender on one case, alternating:
    {who: [ns per pair]}."""
    rounds = max(1, a.pairs // (2 * n if pattern == "random" else n))
    got = {c: [] for c, _ in CONTENDERS}
    order = [c for c, _ in CONTENDERS]
    for r in range(a.reps):
        for who in (order if r % 2 == 0 else order[::-1]):
            got[who].append(measure(who, size, pattern, n, rounds, a.seed))
    return got


def summary(got):
    """Medians, min and max per contender; each of ours ÷ malloc."""
    out = {}
    for who, xs in got.items():
        out[who] = {"med": statistics.median(xs), "min": min(xs), "max": max(xs)}
    base = got["malloc"]
    for who in OURS:
        pairs = [x / y for x, y in zip(got[who], base)]
        out[who]["ratio"] = out[who]["med"] / out["malloc"]["med"]
        out[who]["lo"], out[who]["hi"] = min(pairs), max(pairs)
    return out


# ---- the report -----------------------------------------------------------------------

def producer(obj):
    """How obj was compiled (DW_AT_producer: "GNU C11 12.2.0 ... -O2"), or "?"."""
    p = subprocess.run(["readelf", "--debug-dump=info", str(obj)], capture_output=True,
                       text=True)
    m = re.search(r"DW_AT_producer\s*:.*?(GNU C\S* .*)", p.stdout)
    return m.group(1).strip() if m else "?"


def glibc():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or "?"
    except (ValueError, OSError):
        return "?"


def ns(x):
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def fastest(res):
    """One sentence per contender: in how many cases it was the fastest."""
    wins = {}
    for s in res.values():
        best = min((s[w]["med"], w) for w, _ in CONTENDERS)[1]
        wins[best] = wins.get(best, 0) + 1
    parts = [f"{TITLE[w]} in {k} of {len(res)}" for w, k in
             sorted(wins.items(), key=lambda kv: -kv[1])]
    return ["Fastest (lowest median) per case: " + ", ".join(parts) + "."]


def report(a, res, took, loads):
    shared = (": other work was running on the machine (a shared machine, not a quiet one), "
              "so the absolute figures are rough; the ratios of runs interleaved in the same "
              "seconds hold up better") if loads[0] > 1.5 else ""
    L = ["# mempool: pool, bitmap and arena against glibc malloc, fixed-size blocks", "",
         f"Measured {datetime.date.today()} by `make bench-mempool` (bench/mempool.py"
         f"{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}) on {machine()}; "
         f"{glibc()}; impl/mempool and the driver built by the Makefile (`{producer(LIB)}`). "
         f"Load average (1 min) {loads[0]:.2f} at the start{shared}; {loads[1]:.2f} at the "
         f"end. The whole run took {took / 60:.1f} min.", "",
         "Each figure is the mean time of one allocation and one free of a block, in "
         "nanoseconds, over about "
         f"{a.pairs:,} pairs in one process (bench/mempool_bench.c); each process runs "
         "the pattern once untimed first. The contenders of a case alternate, the order "
         f"reversed every other repetition, {a.reps} repetitions each: the median, with the "
         "fastest and slowest in brackets. A ratio is ours ÷ malloc's median (below 1: "
         "ours is faster), with the lowest and highest ratio of one repetition's pair in "
         "brackets. Every allocated block gets its address written into its first word, "
         "checked before its free.", "",
         "Patterns, on a working set of N blocks: **lifo**, N allocations then the N frees, "
         "the last allocated first; **fifo**, the same with the first allocated freed first; "
         f"**random**, 4N steps of churn from empty (seed {a.seed}, the same steps for every "
         "contender), each an allocation with probability 1 − live/N or else the free of a "
         "live block picked at random (about N/2 live), then the rest freed. The pools "
         "have exactly N blocks; the arena holds every block of a round, frees nothing "
         "alone (its free is a no-op) and is reset at the end of each round, the reset "
         "counted in the time. The debug-mode bitmap is not a separate contender: the "
         "bitmap pool checks every free in both modes (impl/mempool/README.md).", ""]
    L += ["## Ratios: ours ÷ malloc", "",
          "| N | size | pattern | " + " | ".join(TITLE[w] for w in OURS) + " |",
          "|---:|---:|---|" + "---:|" * len(OURS)]
    for (n, size, pattern), s in res.items():
        cells = [f"{s[w]['ratio']:.2f} ({s[w]['lo']:.2f}–{s[w]['hi']:.2f})" for w in OURS]
        L.append(f"| {n:,} | {size} | {pattern} | " + " | ".join(cells) + " |")
    L += ["", "## Nanoseconds per alloc + free pair", "",
          "| N | size | pattern | " + " | ".join(t for _, t in CONTENDERS) + " |",
          "|---:|---:|---|" + "---:|" * len(CONTENDERS)]
    for (n, size, pattern), s in res.items():
        cells = [f"{ns(s[w]['med'])} ({ns(s[w]['min'])}–{ns(s[w]['max'])})"
                 for w, _ in CONTENDERS]
        L.append(f"| {n:,} | {size} | {pattern} | " + " | ".join(cells) + " |")
    L += ["", "## Reading it", "", *fastest(res), "",
          "- **malloc** serves any size and any order, from any thread. glibc keeps a "
          "small per-thread cache of freed chunks (tcache: 7 per size) and, for chunks up "
          "to 128 bytes, fastbins: last-in first-out lists much like our pool, plus a "
          "header before each block and some checks. A 256-byte request is a 272-byte "
          "chunk, past the fastbin limit: once the tcache holds 7, each free merges the "
          "chunk with its free neighbours and files it in the unsorted bin, and malloc "
          "sorts and splits chunks again. That is where its time goes at 256 bytes.",
          "- **pool** is a pointer swap each way, but alloc must read the block it hands "
          "out to find the next free one: a chain of dependent loads. While the blocks "
          "are in the cache that costs little; with N × size past the caches, each "
          "alloc waits for one miss that nothing can overlap.",
          "- **pool, debug** adds, per pair, the block's index (a shift), a bit set and "
          "one tested and cleared in the live bitmap, and the fill of the freed block "
          "with 0xdb (MP-019), a memset of the block's size: the part that grows with "
          "the size.",
          "- **bitmap** never reads the blocks: alloc looks at two words of its bitmap "
          "(one bit per word of the bitmap says \"full\"), `__builtin_ctzll` on each; "
          "free validates the pointer and clears two bits. In random churn the search "
          "may step over a few full words.",
          "- **arena** is an add, a mask and a compare per allocation and one store per "
          "round (the reset): about the least an allocator can do. The price is that it "
          "frees nothing alone: in random churn it holds every block allocated in the "
          "round, not only the live ones.", ""]
    pathlib.Path(a.out).write_text("\n".join(L))
    progress(f"wrote {a.out}")


# ---- main ---------------------------------------------------------------------------------

def numbers(s):
    return [int(x) for x in s.split(",") if x]


def options():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 repetitions of 500,000 pairs")
    ap.add_argument("--reps", type=int, default=7, help="repetitions per contender and case (7)")
    ap.add_argument("--n", type=numbers, default=[1000, 100000],
                    help="working sets, blocks (1000,100000)")
    ap.add_argument("--sizes", type=numbers, default=[16, 64, 256],
                    help="block sizes, bytes (16,64,256)")
    ap.add_argument("--pairs", type=int, default=2_000_000,
                    help="alloc + free pairs per measurement, about (2000000)")
    ap.add_argument("--seed", type=int, default=9, help="seed of the random pattern (9)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "mempool.md"))
    a = ap.parse_args()
    if a.quick:
        a.reps, a.pairs = 3, 500_000
    if a.reps < 1 or a.pairs < 1 or not a.n or not a.sizes or min(a.n + a.sizes) < 8:
        ap.error("--reps and --pairs must be positive; N and sizes at least 8")
    return a


def main():
    a = options()
    if not DRIVER.exists():
        raise Failed(f"{DRIVER} is missing: run make {DRIVER.relative_to(ROOT)}")
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    res = {}
    for n in a.n:
        for size in a.sizes:
            for pattern in PATTERNS:
                progress(f"N {n:,}, {size} bytes, {pattern} ...")
                res[(n, size, pattern)] = summary(bench_case(a, size, pattern, n))
    report(a, res, time.monotonic() - started, (load0, os.getloadavg()[0]))


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        sys.exit(f"bench-mempool: {e}")
