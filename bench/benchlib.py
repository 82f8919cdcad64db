"""What the bench scripts share: the machine line of a report, the
document root the http servers serve, wrk and its figures, rounds of wrk
that alternate between contenders, and the options of such rounds.

Imported by bench/*.py after `sys.path.insert(0, <bench dir>)`."""
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


def wrk(port, path, seconds, conns, threads, host="127.0.0.1"):
    """One wrk run with keep-alive connections: {"rps", "p99_ms", "errors"}.
    Raises RuntimeError when wrk's output cannot be read or any response was
    not 2xx/3xx (a benchmark of errors measures nothing)."""
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
           f"http://{host}:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 30).stdout
    got = wrk_figures(out)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errs = re.search(r"Socket errors:.*", out)
    if got is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx responses from {path}:\n{out}")
    return {**got, "errors": errs.group(0) if errs else ""}


def wrk_figures(out):
    """{"rps", "p99_ms"} from the output of wrk --latency, or None when it
    does not hold both."""
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not rps or not p99:
        return None
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)]}


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
