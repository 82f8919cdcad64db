#!/usr/bin/python3
"""`make bench-echo`: the three reference echo servers and socat, side by side,
in one run on this machine. Writes bench/echo.md.

Load comes from build/bin/echo-client (ping-pong: each connection sends a
message, waits for its echo, repeats; every byte verified). Client and server
share the machine's cores, so absolute numbers say little; the ratios between
servers measured in the same run are the point. Never part of make check.

  bench/echo.py [--quick] [--out bench/echo.md]
"""
import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import machine  # noqa: E402
from osnet_harness.launch import Launcher, group_members, raise_nofile_limit  # noqa: E402

BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
CLIENT = BIN / "echo-client"
SERVERS = [
    ("echo-blocking", f"{BIN}/echo-blocking --host {{host}} --port {{port}}"),
    ("echo-epoll", f"{BIN}/echo-epoll --host {{host}} --port {{port}}"),
    ("echo-uring", f"{BIN}/echo-uring --host {{host}} --port {{port}}"),
    ("socat", "socat TCP-LISTEN:{port},bind={host},reuseaddr,fork,backlog=4096 EXEC:cat"),
]
BASELINE = "socat"


def rss_kib(pid_group):
    """Resident memory of every process in a process group, in KiB."""
    total = 0
    for pid in group_members(pid_group):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def load(port, conns, messages, size, timeout):
    cmd = [str(CLIENT), "--port", str(port), "--connections", str(conns), "--messages",
           str(messages), "--size", str(size), "--timeout", str(timeout), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def idle_rss(server, n, timeout):
    before = rss_kib(server.pid)
    p = subprocess.Popen([str(CLIENT), "--port", str(server.port), "--connections", str(n),
                          "--idle", "--timeout", str(timeout)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("ready"):
        p.kill()
        err = p.stderr.read().strip().splitlines()
        return before, None, (err[-1] if err else "client failed")
    time.sleep(0.5)  # let the server finish its per-connection setup
    during = rss_kib(server.pid)
    p.stdin.close()
    p.wait(timeout)
    return before, during, None


def run_server(lch, name, args, total, conn_levels, rows, bulk, mem):
    """All measurements of one server, into rows/bulk/mem."""
    server = lch.start()
    for conns in conn_levels:
        msgs = max(20, total // conns)
        print(f"  {name:<14} {conns:>5} connections x {msgs} messages of 64 B ...",
              end="", flush=True)
        r = load(server.port, conns, msgs, 64, 300)
        rows[(name, conns)] = r
        print(f" {r.get('msgs_per_s', 0):>10.0f} msg/s  p99 {r.get('latency_us', {}).get('p99', '-')} us"
              if "error" not in r else f" error: {r['error']}", flush=True)
    print(f"  {name:<14}    10 connections x 64 KiB messages ...", end="", flush=True)
    r = load(server.port, 10, 200 if args.quick else 2000, 65536, 300)
    bulk[name] = r
    print(f" {r.get('mib_per_s', 0):.0f} MiB/s" if "error" not in r else f" error: {r['error']}")
    if name != "socat":  # 10,000 socat+cat process pairs would not fit
        print(f"  {name:<14} RSS with {args.idle} idle connections ...", end="", flush=True)
        mem[name] = idle_rss(server, args.idle, 300)
        b, d, e = mem[name]
        print(f" {b} KiB -> {d} KiB" if d else f" error: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer messages (a smoke run)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "echo.md"))
    ap.add_argument("--idle", type=int, default=10000, help="idle connections for the RSS row")
    args = ap.parse_args()
    raise_nofile_limit()
    total = 20000 if args.quick else 200000
    conn_levels = [1, 10, 100, 1000]
    rows = {}      # (server, conns) -> result
    bulk = {}      # server -> result of the 64 KiB messages run
    mem = {}       # server -> (before, during, error)
    with tempfile.TemporaryDirectory() as tmp:
        for name, template in SERVERS:
            lch = Launcher(template, name, tmp)
            try:
                run_server(lch, name, args, total, conn_levels, rows, bulk, mem)
            finally:
                lch.stop_all()

    def fmt_rate(r):
        return "error" if "error" in r else f"{r['msgs_per_s']:,.0f}"

    def ratio(name, conns, key):
        a, b = rows[(name, conns)], rows[(BASELINE, conns)]
        if "error" in a or "error" in b:
            return "-"
        if key == "p99":
            return f"{a['latency_us']['p99'] / max(b['latency_us']['p99'], 1):.2f}"
        return f"{a['msgs_per_s'] / b['msgs_per_s']:.2f}"

    md = ["# Echo servers side by side", "",
          f"Measured {datetime.date.today()} by `make bench-echo` on {machine()}; client and server on the same machine over "
          f"loopback. Load: `echo-client`, ping-pong, 64-byte messages, every byte verified, "
          f"{total:,} messages per row. Ratios are against socat (`fork` + `EXEC:cat`, "
          f"the real echo) measured in the same run; above 1 means more messages per second "
          f"(or, for p99, slower).", "",
          "| server | connections | msgs/s | p50 µs | p99 µs | msgs/s ÷ socat | p99 ÷ socat |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for conns in conn_levels:
        for name, _ in SERVERS:
            r = rows[(name, conns)]
            lat = r.get("latency_us", {})
            md.append(f"| {name} | {conns} | {fmt_rate(r)} | {lat.get('p50', '-')} | "
                      f"{lat.get('p99', '-')} | {ratio(name, conns, 'rate')} | "
                      f"{ratio(name, conns, 'p99')} |")
    md += ["", "Bulk: 10 connections, 64 KiB messages. A figure far below the others with a "
           "p99 near 40 ms is the stall between Nagle's algorithm and delayed ACKs in a server "
           "that echoes in pieces without TCP_NODELAY (socat's default); the references set it.", "",
           "| server | MiB/s | p99 µs |", "|---|---:|---:|"]
    for name, _ in SERVERS:
        r = bulk[name]
        md.append(f"| {name} | {'error' if 'error' in r else format(r['mib_per_s'], '.0f')} | "
                  f"{r.get('latency_us', {}).get('p99', '-')} |")
    md += ["", f"Memory: resident set of the server process(es) before and with {args.idle:,} "
           f"idle connections open (each verified with one 16-byte echo). socat is left out: "
           f"it forks a socat and a cat per connection.", "",
           "| server | RSS idle, KiB | RSS with connections, KiB | per connection, bytes |",
           "|---|---:|---:|---:|"]
    for name, (b, d, e) in mem.items():
        per = f"{(d - b) * 1024 / args.idle:,.0f}" if d else "-"
        md.append(f"| {name} | {b:,} | {d:,} | {per} |" if d else f"| {name} | {b:,} | error: {e} | - |")
    pathlib.Path(args.out).write_text("\n".join(md) + "\n")
    print(f"  wrote {args.out}")


if __name__ == "__main__":
    main()
