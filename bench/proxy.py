#!/usr/bin/python3
"""`make bench-proxy`: our proxy and lb against HAProxy (and nginx), one
thread each, side by side in one run on this machine. Writes bench/proxy.md.

The origins are the reference http server (one thread each) serving a small
file and a 1 MiB file; the lb spreads over two of them round-robin. wrk
drives keep-alive connections through each contender in turn (ours, haproxy,
nginx, ours, ...) so that a noisy neighbour hurts all alike; the table gives
the median round and the ratios ours ÷ haproxy. HAProxy and nginx run through
the same wrappers the conformance suite checks them with (tools/haproxy-proxy,
tools/nginx-proxy: keep-alive to the origins, no request buffering), with one
thread / one worker process like ours. wrk, the contenders and the origins
share the machine's cores, so absolute numbers say little: the ratios measured
in the same run are the point. Never part of make check.

  bench/proxy.py [--quick] [--rounds N] [--seconds S] [--connections C] [--out bench/proxy.md]
"""
import argparse
import datetime
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import alternate_rounds, machine, make_root, round_options  # noqa: E402
from osnet_harness.launch import Launcher, raise_nofile_limit  # noqa: E402

BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
TOOLS = ROOT / "tools"
FILES = [("small", "/index.html"), ("1 MiB", "/1m.bin")]
# (row, our program, the option naming where requests go)
MODES = [("proxy", "proxy", "--upstream"), ("lb", "lb", "--backends")]
CONTENDERS = ["ours", "haproxy", "nginx"]


def template(who, prog, opt, where):
    common = f"--host {{host}} --port {{port}} {opt} {where}"
    if who == "ours":
        return f"{BIN}/{prog} {common} --log-level warn"
    wrapper = {"haproxy": "haproxy-proxy", "nginx": "nginx-proxy"}[who]
    return f"{TOOLS}/{wrapper} {common} --log-level warn"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a = round_options(ap, "proxy", seconds=5, quick_seconds=3)
    raise_nofile_limit()
    d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bench-proxy-"))
    root = make_root(d)
    origins = Launcher(f"{BIN}/http --host {{host}} --port {{port}} --root {root} --threads 1",
                       "origin", str(d))
    o1, o2 = origins.start(), origins.start()
    rows = []
    try:
        for mode, prog, opt in MODES:
            where = f"127.0.0.1:{o1.port}" if mode == "proxy" else \
                    f"127.0.0.1:{o1.port},127.0.0.1:{o2.port}"
            lch = {who: Launcher(template(who, prog, opt, where), who, str(d)) for who in CONTENDERS}
            for label, path in FILES:
                med, p99, got = alternate_rounds(lch, path, a, 1, f"{mode}, {label}")
                rows.append((mode, label, med, p99, got))
                print(f"{mode} {label}: " + ", ".join(f"{w} {med[w]:,.0f} req/s" for w in CONTENDERS)
                      + f"; ours ÷ haproxy {med['ours'] / med['haproxy']:.2f}",
                      file=sys.stderr, flush=True)
    finally:
        origins.stop_all()
    write_report(a, rows)


def versions():
    hv = subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    nv = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return hv.replace(" - https://haproxy.org/", ""), nv.replace("nginx version: ", "")


def write_report(a, rows):
    hv, nv = versions()
    lines = [
        "# proxy and lb: ours, HAProxy and nginx side by side", "",
        f"Measured {datetime.date.today()} by `make bench-proxy` on {machine()}; {hv}; {nv}; "
        "wrk, the contenders and the origins on the same machine over loopback. Every contender "
        "runs one thread (HAProxy `nbthread 1`, nginx `worker_processes 1`, ours is "
        "single-threaded) with keep-alive to the origins (two reference http servers, one thread "
        "each; the proxy uses the first, the lb both, round-robin). wrk: 1 thread, "
        f"{a.connections} keep-alive connections, {a.seconds} s per round, {a.rounds} rounds per "
        "contender alternating; the figures are the median round. Above 1 in the ratio columns "
        "means ours served more requests per second (req/s) or had a longer p99 (p99).", "",
        "| mode | file | ours req/s | haproxy req/s | nginx req/s | ours ÷ haproxy | "
        "ours p99 ms | haproxy p99 ms | nginx p99 ms | p99 ours ÷ haproxy |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, label, med, p99, _ in rows:
        lines.append(f"| {mode} | {label} | {med['ours']:,.0f} | {med['haproxy']:,.0f} | "
                     f"{med['nginx']:,.0f} | {med['ours'] / med['haproxy']:.2f} | "
                     f"{p99['ours']:.2f} | {p99['haproxy']:.2f} | {p99['nginx']:.2f} | "
                     f"{p99['ours'] / p99['haproxy']:.2f} |")
    lines += ["", "Every round (req/s):", ""]
    for mode, label, _, _, got in rows:
        lines.append(f"- {mode}, {label}: " + "; ".join(
            f"{w} " + ", ".join(f"{x['rps']:,.0f}" for x in got[w]) for w in CONTENDERS))
    pathlib.Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
