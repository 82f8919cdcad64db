#!/usr/bin/python3
"""`make bench-kv`: our kv (build/bin/kv) against redis-server 7 (through
tools/redis-kv, the wrapper the conformance suite checks it with), side by
side in one run on this machine, driven by redis-benchmark. Writes
bench/kv.md.

Both are started the same way, through the launch contract's options:
without an append-only file, and with --appendonly yes --appendfsync
everysec (each round a fresh, empty --dir). redis-benchmark runs
-t set,get with -c 50 connections and random keys (-r 100000), without
pipelining and with -P 16. Rounds alternate between the two, the order
swapped each round, each round starting a fresh server, so that a noisy
neighbour hurts both alike; the report gives kv ÷ redis-server (the ratio
of the median rounds, and the lowest and highest ratio of a round's pair)
and the requests per second behind it.

redis-benchmark exits at the first error reply; a round that does not end
with exit status 0 and a figure for both SET and GET, a server that is not
holding the keys SET afterwards, or one that does not stop with status 0 on
SIGTERM, ends the run with what went wrong.

redis-benchmark, the servers and whatever else runs on the machine share
its cores, so absolute numbers say little; the ratios measured in the same
run are the point. Never part of make check.

  bench/kv.py [--quick] [--rounds N] [--seconds S] [--connections C]
              [--kv TEMPLATE] [--out bench/kv.md]

--seconds sizes each redis-benchmark test (-n) for about that long at
nominal rates (100,000 requests/s without pipelining, 600,000 with -P 16);
--kv replaces our server's command template (e.g. a second redis-kv, to
see how far apart two equal contenders come out).
"""
import argparse
import datetime
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import machine  # noqa: E402
from osnet_harness.launch import Launcher, raise_nofile_limit  # noqa: E402

BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
TOOLS = ROOT / "tools"
CONTENDERS = ["kv", "redis-server"]
AOFS = [("no AOF", []), ("AOF everysec", ["--appendonly", "yes", "--appendfsync", "everysec"])]
PIPELINES = [1, 16]
RATE = {1: 100000, 16: 600000}  # nominal requests/s, to size -n from --seconds
KEYSPACE = 100000
TESTS = ["SET", "GET"]


class Failed(RuntimeError):
    """A round did not measure what it should: the run ends here."""


def templates(a):
    common = "--host {host} --port {port} --dir {datadir}"
    return {"kv": a.kv or f"{BIN}/kv {common}",
            "redis-server": f"{TOOLS}/redis-kv {common}"}


def benchmark(port, pipeline, n, conns):
    """One redis-benchmark run: {"SET": {...}, "GET": {...}}, each with
    rps, p50_ms and p99_ms."""
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(conns),
           "-n", str(n), "-r", str(KEYSPACE), "-P", str(pipeline), "-t", "set,get", "--csv"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    got = {}
    for line in p.stdout.splitlines():
        f = [x.strip('"') for x in line.split(",")]
        if len(f) == 8 and f[0] in TESTS:
            got[f[0]] = {"rps": float(f[1]), "p50_ms": float(f[4]), "p99_ms": float(f[6])}
    if p.returncode != 0 or set(got) != set(TESTS):
        raise Failed(f"`{' '.join(cmd)}` exited {p.returncode} with "
                     f"{'figures for ' + ', '.join(got) if got else 'no figures'}:\n"
                     f"{p.stdout[-1500:]}{p.stderr[-1500:]}")
    return got


def dbsize(port):
    p = subprocess.run(["redis-cli", "-p", str(port), "DBSIZE"], capture_output=True, text=True,
                       timeout=30)
    try:
        return int(p.stdout.strip())
    except ValueError:
        raise Failed(f"redis-cli DBSIZE answered {p.stdout.strip()!r} {p.stderr.strip()!r}") \
            from None


def one_round(who, tmpl, aof, pipeline, a, d, k):
    """A fresh server of `who`, one redis-benchmark run, a clean stop."""
    rd = d / f"{k:03d}-{who}"
    rd.mkdir()
    data = rd / "data"
    data.mkdir()
    s = Launcher(tmpl, who, str(rd)).start(args=aof[1], datadir=str(data))
    n = max(1000, a.seconds * RATE[pipeline])
    try:
        got = benchmark(s.port, pipeline, n, a.connections)
        keys = dbsize(s.port)
        if not 0 < keys <= KEYSPACE:
            raise Failed(f"{who} holds {keys} keys after {n} SETs of random keys among "
                         f"{KEYSPACE}")
        if not s.alive():
            raise Failed(f"{who} died under redis-benchmark\n{s.stderr_block()}")
    except BaseException:
        s.stop()
        raise
    rc, clean, left = s.stop(timeout=30)
    if rc != 0 or not clean or left:
        raise Failed(f"{who} ({aof[0]}) did not stop cleanly on SIGTERM: status {rc}"
                     f"{'' if clean else ', killed after the timeout'}"
                     f"{', left ' + '; '.join(left) if left else ''}\n{s.stderr_block()}")
    shutil.rmtree(rd)
    return got


def options(ap):
    """The options of benchlib.round_options() (--quick, --rounds, --seconds,
    --connections, --out), with redis-benchmark's -c 50 as the default
    (round_options' 64 is wrk's), and --kv."""
    ap.add_argument("--quick", action="store_true", help="1 round of 1 s tests (a smoke run)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender and row (default 3)")
    ap.add_argument("--seconds", type=int, default=3,
                    help="about how long one redis-benchmark test lasts (default 3)")
    ap.add_argument("--connections", type=int, default=50,
                    help="redis-benchmark connections, -c (default 50)")
    ap.add_argument("--kv", help="command template of the kv contender (default build/bin/kv)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "kv.md"))
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.seconds = 1, 1
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    a = options(ap)
    tmpl = templates(a)
    if not a.kv and not (BIN / "kv").exists():
        sys.exit(f"{BIN / 'kv'} is missing: run make (or give --kv TEMPLATE)")
    raise_nofile_limit()
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bench-kv-"))
    rows, k = [], 0
    try:
        for aof in AOFS:
            for pipeline in PIPELINES:
                got = {c: [] for c in CONTENDERS}
                for r in range(a.rounds):
                    order = CONTENDERS if r % 2 == 0 else CONTENDERS[::-1]
                    for who in order:
                        print(f"  {aof[0]}, -P {pipeline}, round {r + 1}/{a.rounds}: {who} ...",
                              file=sys.stderr, flush=True)
                        k += 1
                        got[who].append(one_round(who, tmpl[who], aof, pipeline, a, d, k))
                rows.append((aof[0], pipeline, got))
                print(f"{aof[0]}, -P {pipeline}: " + "; ".join(
                    f"{t} " + ", ".join(f"{c} {statistics.median(x[t]['rps'] for x in got[c]):,.0f}"
                                        for c in CONTENDERS) for t in TESTS) + " req/s",
                      file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    write_report(a, rows, load0, os.getloadavg()[0], time.monotonic() - started)


def redis_version():
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    for word in out.split():
        if word.startswith("v="):
            return word[2:]
    return "?"


def write_report(a, rows, load0, load1, took):
    def med(xs):
        return statistics.median(xs)

    def rps(got, c, t):
        return [x[t]["rps"] for x in got[c]]

    lines = [
        "# kv: our server against redis-server under redis-benchmark", "",
        f"Measured {datetime.date.today()} by `make bench-kv` on {machine()}; redis-server and "
        f"redis-benchmark {redis_version()} (Debian); redis-benchmark and the servers on the "
        f"same machine over loopback; load average (1 min) {load0:.2f} at the start and "
        f"{load1:.2f} at the end (other work may have been running on the machine); the whole "
        f"run took {took / 60:.1f} min.", "",
        f"Contenders: `{templates(a)['kv'].replace(str(ROOT) + '/', '')}` and redis-server through `tools/redis-kv` (the "
        f"wrapper the conformance suite checks it with: no RDB snapshots, logs on stderr), "
        f"both started the same way, each round a fresh server with an empty `--dir`: "
        f"without an append-only file, and with `--appendonly yes --appendfsync everysec`. "
        f"redis-benchmark: `-t set,get -c {a.connections} -r {KEYSPACE}` (random keys among "
        f"{KEYSPACE}, 3-byte values), without pipelining (`-n "
        f"{max(1000, a.seconds * RATE[1])}`) and with `-P 16` (`-n "
        f"{max(1000, a.seconds * RATE[16])}`), {a.rounds} round(s) per contender and row, the "
        f"two alternating with the order swapped each round. A figure is the median round, "
        f"with the lowest and highest round in brackets; a ratio is kv's median ÷ "
        f"redis-server's, with the lowest and highest ratio of one round's pair (kv's round i "
        f"÷ redis-server's round i) in brackets.", "",
        f"The machine has {os.cpu_count()} cores, shared with whatever else runs on it. "
        f"redis-benchmark is single-threaded and keeps one core busy; each server runs its "
        f"commands on one thread (redis-server has helper threads for fsync and lazy freeing), "
        f"so each gets about the other core. Without pipelining every request is a loopback "
        f"round trip and the figures measure system calls and wakeups more than either "
        f"server's own work; with -P 16 the servers' parsing and keyspace code show more. "
        f"With everysec both write each change to the file (a write(2) per batch of "
        f"commands) and fdatasync it about once a second in another thread.", "",
        "## kv ÷ redis-server, requests per second", "",
        "| append-only file | pipeline | " + " | ".join(TESTS) + " |",
        "|---|---:|" + "---:|" * len(TESTS),
    ]
    for aof, pipeline, got in rows:
        cells = []
        for t in TESTS:
            ours, theirs = rps(got, "kv", t), rps(got, "redis-server", t)
            pairs = [o / r for o, r in zip(ours, theirs)]
            cells.append(f"{med(ours) / med(theirs):.2f} ({min(pairs):.2f}–{max(pairs):.2f})")
        lines.append(f"| {aof} | {'-P 16' if pipeline > 1 else 'none'} | " + " | ".join(cells)
                     + " |")
    lines += ["", "## Requests per second", "",
              "| append-only file | pipeline | " + " | ".join(f"{c} {t}" for t in TESTS
                                                           for c in CONTENDERS) + " |",
              "|---|---:|" + "---:|" * (len(TESTS) * len(CONTENDERS))]
    for aof, pipeline, got in rows:
        lines.append(f"| {aof} | {'-P 16' if pipeline > 1 else 'none'} | " + " | ".join(
            f"{med(rps(got, c, t)):,.0f} ({min(rps(got, c, t)):,.0f}–{max(rps(got, c, t)):,.0f})"
            for t in TESTS for c in CONTENDERS) + " |")
    lines += ["", "## Latency, ms: median and 99th percentile (median round)", "",
              "| append-only file | pipeline | " + " | ".join(f"{c} {t}" for t in TESTS
                                                           for c in CONTENDERS) + " |",
              "|---|---:|" + "---:|" * (len(TESTS) * len(CONTENDERS))]
    for aof, pipeline, got in rows:
        lines.append(f"| {aof} | {'-P 16' if pipeline > 1 else 'none'} | " + " | ".join(
            f"{med(x[t]['p50_ms'] for x in got[c]):.2f} / "
            f"{med(x[t]['p99_ms'] for x in got[c]):.2f}" for t in TESTS for c in CONTENDERS)
            + " |")
    lines += ["", "## Errors", "",
              "None: every redis-benchmark run exited 0 with figures for SET and GET "
              "(redis-benchmark 7 exits at the first error reply), every server held the keys "
              "SET afterwards (DBSIZE), and every server stopped with status 0 on SIGTERM."]
    pathlib.Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        sys.exit(f"bench-kv: {e}")
