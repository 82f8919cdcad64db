#!/usr/bin/python3
"""`make bench-http`: the reference http server and nginx, side by side, in one
run on this machine. Writes bench/http.md.

wrk drives both with keep-alive connections: a small static file and a 1 MiB
file, at each worker count (our --threads N against nginx's worker_processes
N). Rounds alternate between the two servers (ours, nginx, ours, nginx, ...)
so that a noisy neighbour hurts both alike; the table gives the median round.
Client and servers share the machine's cores, so absolute numbers say little;
the ratio between the two servers measured in the same run is the point.
Never part of make check.

  bench/httpbench.py [--quick] [--rounds N] [--seconds S] [--workers 1,2] [--out bench/http.md]
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

FILES = [("small", "/index.html"), ("1 MiB", "/1m.bin")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    a = round_options(ap, "http", seconds=5, quick_seconds=3)
    raise_nofile_limit()
    workers = [int(w) for w in a.workers.split(",")]
    d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bench-http-"))
    root = make_root(d)
    rows = []
    for w in workers:
        ours = Launcher(f"{BIN}/http --host {{host}} --port {{port}} --root {root} --threads {w}",
                        "http", str(d))
        # nginx through the same wrapper the conformance suite uses (sendfile,
        # no per-connection request limit), logging warnings only.
        theirs = Launcher(f"{ROOT}/tools/nginx-static --host {{host}} --port {{port}} --root {root} "
                          f"--threads {w} --error-log-level warn", "nginx", str(d))
        for label, path in FILES:
            med, p99, got = alternate_rounds({"http": ours, "nginx": theirs}, path, a, 2,
                                             f"{w} worker(s), {label}")
            rows.append((w, label, med, p99, got))
            print(f"{w} worker(s) {label}: http {med['http']:,.0f} req/s, nginx "
                  f"{med['nginx']:,.0f} req/s, ratio {med['http'] / med['nginx']:.2f}",
                  file=sys.stderr, flush=True)
    write_report(a, rows)


def write_report(a, rows):
    nginx_v = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    lines = [
        "# http: the reference server and nginx side by side", "",
        f"Measured {datetime.date.today()} by `make bench-http` on {machine()}; {nginx_v.replace('nginx version: ', '')}; wrk and the servers on "
        f"the same machine over loopback. wrk: 2 threads, {a.connections} keep-alive connections, "
        f"{a.seconds} s per round, {a.rounds} rounds per server alternating (ours, nginx, ours, ...); "
        "the figures are the median round. Same worker count for both: our `--threads N`, nginx's "
        "`worker_processes N` (nginx through `tools/nginx-static`: sendfile and TCP_NOPUSH on, access "
        "log off in both, nginx's keepalive_requests raised so neither closes a busy connection).", "",
        "| workers | file | http req/s | nginx req/s | http ÷ nginx | http p99 ms | nginx p99 ms |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for w, label, med, p99, _ in rows:
        lines.append(f"| {w} | {label} | {med['http']:,.0f} | {med['nginx']:,.0f} | "
                     f"{med['http'] / med['nginx']:.2f} | {p99['http']:.2f} | {p99['nginx']:.2f} |")
    lines += ["", "Every round (req/s):", ""]
    for w, label, _, _, got in rows:
        lines.append(f"- {w} worker(s), {label}: http "
                     + ", ".join(f"{x['rps']:,.0f}" for x in got["http"]) + "; nginx "
                     + ", ".join(f"{x['rps']:,.0f}" for x in got["nginx"]))
    pathlib.Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
