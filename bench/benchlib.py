"""What the bench scripts share: the machine line of a report, the
document root the http servers serve, wrk and its figures, rounds of wrk
that alternate between contenders, and the options of such rounds.

Imported by bench/*.py after `sys.path.insert(0, <bench dir>)`."""
import math
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def machine():
    """'2 cores (Intel(R) Xeon(R) ...), Linux 6.1.0': where a figure was measured."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}"


def make_root(d):
    """d/root with the files the http and proxy benches fetch: index.html
    (a small page, the size of a typical short HTML response) and 1m.bin
    (1 MiB)."""
    root = d / "root"
    root.mkdir()
    (root / "index.html").write_bytes(b"<!doctype html><title>osnet</title><p>hello from the bench</p>\n" * 3)
    (root / "1m.bin").write_bytes(bytes(range(256)) * 4096)
    return root


def wrk(port, path, seconds, conns, threads, host="127.0.0.1", headers=(), allow_errors=True):
    """One closed-loop wrk run (keep-alive connections unless a
    "Connection: close" header is among `headers`): {"rps", "p50_ms",
    "p99_ms", "errors"}, errors being wrk's count of socket errors
    (connect, read, write, timeout). wrk takes whole seconds, so `seconds`
    is rounded up (at least 1), and no more threads than connections.
    Raises RuntimeError when wrk fails or its output cannot be read, when
    any response was not 2xx/3xx (a benchmark of errors measures nothing),
    and on socket errors unless allow_errors. bench/run.py's ctx.wrk is
    this function with allow_errors off by default."""
    threads = max(1, min(threads, conns))
    seconds = max(1, math.ceil(seconds))
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s"]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"http://{host}:{port}{path}")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 60)
    out = p.stdout
    got = wrk_figures(out)
    if p.returncode != 0 or got is None:
        raise RuntimeError(f"cannot read the output of `{' '.join(cmd)}` (exit "
                           f"{p.returncode}):\n{out[-1500:]}{p.stderr[-500:]}")
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx responses from {path}: `{' '.join(cmd)}`")
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     out)
    errors = sum(int(x) for x in sock.groups()) if sock else 0
    if errors and not allow_errors:
        raise RuntimeError(f"`{' '.join(cmd)}`: {sock.group(0)}")
    return {**got, "errors": errors}


def wrk_figures(out):
    """{"rps", "p50_ms", "p99_ms"} from the output of wrk --latency, or None
    when it does not hold all three."""
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    pct = [re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M) for q in (50, 99)]
    if not rps or not all(pct):
        return None
    p50, p99 = (float(m.group(1)) * UNITS[m.group(2)] for m in pct)
    return {"rps": float(rps.group(1)), "p50_ms": p50, "p99_ms": p99}


def round_options(ap, name, seconds, quick_seconds):
    """Adds the options of a bench made of wrk rounds to the ArgumentParser
    ap (what alternate_rounds() reads: --rounds, --seconds, --connections;
    --quick: 1 round of quick_seconds s; --out, by default bench/<name>.md),
    parses the command line and returns it."""
    ap.add_argument("--quick", action="store_true", help=f"1 round of {quick_seconds} s (a smoke run)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender and row (default 3)")
    ap.add_argument("--seconds", type=int, default=seconds,
                    help=f"length of one wrk round (default {seconds})")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent / f"{name}.md"))
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.seconds = 1, quick_seconds
    return a


def alternate_rounds(launchers, path, a, threads, what):
    """a.rounds rounds of wrk on path (a.seconds, a.connections; `threads`
    wrk threads), each round starting every launcher of {name: Launcher}
    in turn, fresh, so that no contender always runs first or on a warm
    machine. Progress goes to stderr as "  <what>, round i/n: <name> ...".
    Returns (median req/s, median p99 ms, {name: [wrk results]})."""
    got = {name: [] for name in launchers}
    for r in range(a.rounds):
        for name, lch in launchers.items():
            s = lch.start()
            try:
                print(f"  {what}, round {r + 1}/{a.rounds}: {name} ...", file=sys.stderr,
                      flush=True)
                got[name].append(wrk(s.port, path, a.seconds, a.connections, threads))
            finally:
                s.stop()
    med = {n: statistics.median(x["rps"] for x in v) for n, v in got.items()}
    p99 = {n: statistics.median(x["p99_ms"] for x in v) for n, v in got.items()}
    return med, p99, got
