#!/usr/bin/python3
"""`make bench-items`: the items service's two front ends (build/bin/items on
our own HTTP server, build/bin/items-mhd on libmicrohttpd) × its two stores
(memory, SQLite), side by side in one run on this machine. Writes
bench/items.md.

Every round starts a fresh server holding the same 1000 items (memory: POSTed
after the start; SQLite: a copy of one database file filled once before the
rounds, so no round pays 1000 commits first), walks its pages once to learn
the ids and cursors, then runs wrk with bench/items-mix.lua:

  read    90% GET /items/{id} of a stored item, 10% GET /items?limit=20 pages
  90/10   the same reads (81% and 9%) and 10% POST /items, each with a new
          name (thread number and counter), so none is refused with 409

at each server thread count (--threads 1 and 2). Rounds alternate between the
four contenders, the order rotating by one each round, so that a noisy
neighbour hurts all alike; the tables give the median round and the range.
Any non-2xx response or socket error is counted (by wrk and by the server's
own /metrics) and reported: a round with errors is not a result, and the
script then exits 1 after writing the report. A server that crashes, or does
not stop cleanly on SIGTERM, ends the run with its stderr.

wrk and the servers share the machine's cores, so absolute numbers say
little; the ratios measured in the same run are the point. Never part of
make check.

  bench/items.py [--quick] [--rounds N] [--seconds S] [--threads 1,2]
                 [--connections C] [--out bench/items.md]
"""
import argparse
import datetime
import http.client
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "conformance"))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import UNITS, machine, round_options, wrk_figures  # noqa: E402
from osnet_harness.launch import Launcher, raise_nofile_limit  # noqa: E402

BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
LUA = ROOT / "bench" / "items-mix.lua"

FRONTS = ["items", "items-mhd"]
STORES = ["memory", "sqlite"]
CONTENDERS = [(f, s) for s in STORES for f in FRONTS]
# (name, percent POST, percent list pages); the rest are GET /items/{id}
MIXES = [("read", 0, 10), ("90/10", 10, 9)]
PREFILL = 1000
PAGE = 20


def label(c):
    return f"{c[0]} {'SQLite' if c[1] == 'sqlite' else c[1]}"


class ServerFailed(RuntimeError):
    """A contender crashed, hung or did not stop cleanly: the run ends here."""


def conn(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def prefill(port):
    """POSTs PREFILL items over one keep-alive connection."""
    c = conn(port)
    try:
        for i in range(PREFILL):
            body = json.dumps({"name": f"item-{i:04d}", "price": i + 0.5, "quantity": i % 100,
                               "tags": ["bench", f"t{i % 7}"]})
            c.request("POST", "/items", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status != 201:
                raise ServerFailed(f"prefill: POST /items answered {r.status}")
    finally:
        c.close()


def walk(port):
    """Every page of GET /items?limit=PAGE: (the ids, the cursors of the pages;
    "-" for the first)."""
    ids, cursors, cursor = [], ["-"], None
    c = conn(port)
    try:
        while True:
            path = f"/items?limit={PAGE}" + (f"&cursor={urllib.parse.quote(cursor, safe='')}"
                                             if cursor else "")
            c.request("GET", path)
            r = c.getresponse()
            page = r.read()
            if r.status != 200:
                raise ServerFailed(f"GET {path} answered {r.status}")
            page = json.loads(page)
            ids += [it["id"] for it in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            cursors.append(urllib.parse.quote(cursor, safe=""))
    finally:
        c.close()
    if len(ids) != PREFILL or len(set(ids)) != PREFILL:
        raise ServerFailed(f"the pages list {len(ids)} ids ({len(set(ids))} distinct), "
                           f"not the {PREFILL} items stored")
    return ids, cursors


METRIC = re.compile(r'^http_requests_total\{method="([^"]*)",route="([^"]*)",status="(\d+)"\}\s+(\d+)',
                    re.M)


def counts(port):
    """{(method, route, status): n} from the server's /metrics."""
    c = conn(port)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        text = r.read().decode()
    finally:
        c.close()
    return {(m, rt, st): int(n) for m, rt, st, n in METRIC.findall(text)}


def run_wrk(port, d, a, write_pct, list_pct):
    cmd = ["wrk", "--latency", "-t", "1", "-c", str(a.connections), "-d", f"{a.seconds}s",
           "-s", str(LUA), f"http://127.0.0.1:{port}/", "--",
           str(d / "ids"), str(d / "cursors"), str(write_pct), str(list_pct)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.seconds * 4 + 30)
    out = p.stdout
    figures = wrk_figures(out)
    dur = re.search(r"requests in ([\d.]+)(us|ms|s)", out)
    mix = re.search(r"^items-mix: (.*)$", out, re.M)
    if not (figures and dur and mix):
        raise RuntimeError(f"cannot read wrk output ({' '.join(cmd)}):\n{out}{p.stderr}")
    got = {k: int(v) for k, v in (kv.split("=") for kv in mix.group(1).split())}
    return {**figures, "seconds": float(dur.group(1)) * UNITS[dur.group(2)] / 1000, **got}


def one_round(c, threads, mix, a, d, template, n):
    """One fresh server of contender c, one wrk run: the round's figures."""
    front, store = c
    rd = d / f"{n:03d}-{front}-{store}-t{threads}"
    rd.mkdir()
    tmpl = (f"{BIN}/{front} --host {{host}} --port {{port}} --storage {store} "
            f"--threads {threads} --rate 0 --log-level warn")
    if store == "sqlite":
        for f in template.parent.iterdir():
            if f.name in ("items.db", "items.db-wal"):
                shutil.copy(f, rd / f.name)
        tmpl += f" --db {rd / 'items.db'}"
    s = Launcher(tmpl, f"{front}-{store}", str(rd)).start()
    try:
        if store == "memory":
            prefill(s.port)
        ids, cursors = walk(s.port)
        (rd / "ids").write_text("\n".join(map(str, ids)) + "\n")
        (rd / "cursors").write_text("\n".join(cursors) + "\n")
        before = counts(s.port)
        _, write_pct, list_pct = mix
        w = run_wrk(s.port, rd, a, write_pct, list_pct)
        if not s.alive():
            raise ServerFailed(f"{front} --storage {store} --threads {threads} died under wrk "
                               f"({mix[0]} mix)\n{s.stderr_block()}")
        after = counts(s.port)
    except BaseException:
        s.stop()
        raise
    rc, clean, left = s.stop()
    if rc != 0 or not clean or left:
        raise ServerFailed(f"{front} --storage {store} --threads {threads} did not stop cleanly on "
                           f"SIGTERM after the {mix[0]} mix: status {rc}, "
                           f"{'in time' if clean else 'killed after the timeout'}"
                           f"{', left ' + '; '.join(left) if left else ''}\n{s.stderr_block()}")
    diff = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    w["created"] = diff.get(("POST", "/items", "201"), 0)
    w["writes_s"] = w["created"] / w["seconds"]
    w["server_errors"] = {k: v for k, v in diff.items() if not k[2].startswith("2")}
    w["socket_errors"] = w["connect"] + w["read"] + w["write"] + w["timeout"]
    shutil.rmtree(rd)
    return w


def make_template(d):
    """One SQLite database holding PREFILL items, filled through items and
    closed (which checkpoints the WAL into the file): each SQLite round
    starts from a copy."""
    td = d / "template"
    td.mkdir()
    s = Launcher(f"{BIN}/items --host {{host}} --port {{port}} --storage sqlite "
                 f"--db {td / 'items.db'} --threads 1 --log-level warn", "template", str(d)).start()
    t0 = time.monotonic()
    try:
        prefill(s.port)
    finally:
        rc, clean, _ = s.stop()
    took = time.monotonic() - t0
    if rc != 0 or not clean:
        raise ServerFailed(f"items --storage sqlite did not stop cleanly after the prefill: "
                           f"status {rc}\n{s.stderr_block()}")
    return td / "items.db", took


def disk(d):
    """Where the SQLite files live: the device, its file system, whether it is
    a virtio (virtual) disk and its write cache mode; and the median time of
    4 KiB appended + fdatasync there (milliseconds, 100 of them)."""
    src, fstype = subprocess.run(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", str(d)],
                                 capture_output=True, text=True).stdout.split()[:2]
    dev = pathlib.Path("/sys/class/block") / os.path.basename(src)
    sysdev = dev.resolve()
    if not (sysdev / "queue").exists():  # a partition: the queue is its disk's
        sysdev = sysdev.parent
    kind = "a virtio block device (a virtual disk)" if "virtio" in str(sysdev) else "a block device"
    try:
        cache = (sysdev / "queue" / "write_cache").read_text().strip()
    except OSError:
        cache = "unknown"
    # SQLite's commit appends the WAL frames and then fdatasync()s the WAL
    # (its default sync call on Linux): time the same on a growing file.
    times = []
    fd = os.open(d / "sync-probe", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for i in range(100):
            os.pwrite(fd, b"x" * 4096, i * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(d / "sync-probe")
    return f"{src} ({fstype}), {kind}, write cache \"{cache}\"", times


def lib_versions():
    v = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libmicrohttpd12"],
                       capture_output=True, text=True).stdout.strip() or "?"
    import sqlite3
    return f"libmicrohttpd {v}", f"SQLite {sqlite3.sqlite_version}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="1,2", help="server thread counts (default 1,2)")
    a = round_options(ap, "items", seconds=4, quick_seconds=2)
    raise_nofile_limit()
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    d = pathlib.Path(tempfile.mkdtemp(prefix="osnet-bench-items-"))
    where, sync0 = disk(d)
    template, fill_s = make_template(d)
    rows, n = [], 0
    for threads in [int(t) for t in a.threads.split(",")]:
        for mix in MIXES:
            got = {c: [] for c in CONTENDERS}
            for r in range(a.rounds):
                order = CONTENDERS[r % len(CONTENDERS):] + CONTENDERS[:r % len(CONTENDERS)]
                for c in order:
                    print(f"  --threads {threads}, {mix[0]}, round {r + 1}/{a.rounds}: {label(c)} ...",
                          file=sys.stderr, flush=True)
                    n += 1
                    got[c].append(one_round(c, threads, mix, a, d, template, n))
            rows.append((threads, mix[0], got))
            med = {c: statistics.median(x["rps"] for x in v) for c, v in got.items()}
            print(f"--threads {threads} {mix[0]}: " + ", ".join(f"{label(c)} {med[c]:,.0f}"
                                                                for c in CONTENDERS) + " req/s",
                  file=sys.stderr, flush=True)
    sync1 = disk(d)[1]
    shutil.rmtree(d)
    bad = write_report(a, rows, where, (sync0, sync1), fill_s, load0, os.getloadavg()[0],
                       time.monotonic() - started)
    if bad:
        print(f"{bad} round(s) had errors: see {a.out}", file=sys.stderr)
        sys.exit(1)


def med_range(xs, fmt):
    return f"{fmt(statistics.median(xs))} ({fmt(min(xs))}–{fmt(max(xs))})"


def write_report(a, rows, where, syncs, fill_s, load0, load1, took):
    mhd, sq = lib_versions()
    cols = " | ".join(label(c) for c in CONTENDERS)
    head = f"| server threads | mix | {cols} |"
    rule = "|---:|---|" + "---:|" * len(CONTENDERS)

    def med(got, c, key="rps"):
        return statistics.median(x[key] for x in got[c])

    def failed(x):
        return x["status"] or x["socket_errors"] or x["server_errors"]

    def mark(got, *cs):
        """" †" after a figure that a round with errors went into."""
        return " †" if any(failed(x) for c in cs for x in got[c]) else ""

    def ratio(got, m, c1, c2):
        return f"{m[c1] / m[c2]:.2f}{mark(got, c1, c2)}"

    lines = [
        "# items: two front ends × two stores under wrk", "",
        f"Measured {datetime.date.today()} by `make bench-items` on {machine()}; {mhd}; {sq}; "
        f"wrk and the servers on the same machine over loopback; load average (1 min) {load0:.2f} "
        f"at the start and {load1:.2f} at the end (other work was running on the machine); "
        f"the whole run took {took / 60:.1f} min.", "",
        f"Contenders: `build/bin/items` (our own HTTP server) and `build/bin/items-mhd` "
        f"(libmicrohttpd), each with `--storage memory` and `--storage sqlite`, all with "
        f"`--rate 0` (no rate limit, the default, given explicitly) and `--log-level warn` (no "
        f"request log lines). Every round starts a fresh server holding the same {PREFILL} items "
        f"(memory: POSTed after the start; SQLite: a copy of one database file, filled once "
        f"through `items` before the rounds), and runs wrk with `bench/items-mix.lua`: "
        f"**read** is 90% `GET /items/{{id}}` of a stored item and 10% `GET /items?limit={PAGE}` "
        f"pages (a random one of the {PREFILL // PAGE}); **90/10** is the same reads (81% and 9%) "
        f"and 10% `POST /items`, each with a new name made of wrk's thread number and a counter, "
        f"so no POST is refused as a duplicate. wrk: 1 thread, {a.connections} keep-alive "
        f"connections, {a.seconds} s per round, {a.rounds} round(s) per contender and row, the "
        f"four alternating with the order rotated each round; a figure is the median round, "
        f"with the lowest and highest round in brackets.", "",
        f"The machine has {os.cpu_count()} cores and wrk's one thread keeps one of them busy, so "
        f"with `--threads 1` the server has about a core of its own, and with `--threads 2` its "
        f"two threads share the cores with wrk: the second thread buys less than a core.", "",
        f"SQLite runs in WAL mode with `synchronous=FULL`: every acknowledged write is a commit "
        f"that waits for the WAL to reach the disk (SQLite calls fdatasync(2) once per commit "
        f"on Linux). The files are on {where}. Appending 4 KiB and calling fdatasync there took "
        + " and ".join(f"{statistics.median(t):.2f} ms (median; {max(t):.2f} ms at most, of 100)"
                       for t in syncs)
        + f" at the start and at the end of the run; filling the template with {PREFILL} POSTs, "
        f"one commit each, took {fill_s:.1f} s. A flush on a virtual disk costs what the host "
        f"makes it cost, so the SQLite write figures hold for this disk only.", "",
        "## Ratios of the median req/s", "",
        "| server threads | mix | items-mhd ÷ items, memory | items-mhd ÷ items, SQLite | "
        "SQLite ÷ memory, items | SQLite ÷ memory, items-mhd |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for threads, mix, got in rows:
        m = {c: med(got, c) for c in CONTENDERS}
        lines.append(f"| {threads} | {mix} | "
                     f"{ratio(got, m, ('items-mhd', 'memory'), ('items', 'memory'))} | "
                     f"{ratio(got, m, ('items-mhd', 'sqlite'), ('items', 'sqlite'))} | "
                     f"{ratio(got, m, ('items', 'sqlite'), ('items', 'memory'))} | "
                     f"{ratio(got, m, ('items-mhd', 'sqlite'), ('items-mhd', 'memory'))} |")
    lines += ["", "## Requests per second", "", head, rule]
    for threads, mix, got in rows:
        lines.append(f"| {threads} | {mix} | " + " | ".join(
            med_range([x["rps"] for x in got[c]], lambda v: f"{v:,.0f}") + mark(got, c)
            for c in CONTENDERS) + " |")
    lines += ["", "## Writes per second in the 90/10 mix", "",
              "POSTs answered 201 per second of the wrk run (from the server's own "
              "`http_requests_total`).", "", head, rule]
    for threads, mix, got in rows:
        if mix == "90/10":
            lines.append(f"| {threads} | {mix} | " + " | ".join(
                med_range([x["writes_s"] for x in got[c]], lambda v: f"{v:,.0f}") + mark(got, c)
                for c in CONTENDERS) + " |")
    lines += ["", "## 99th percentile latency, ms (median round)", "", head, rule]
    for threads, mix, got in rows:
        lines.append(f"| {threads} | {mix} | " + " | ".join(
            f"{med(got, c, 'p99_ms'):.2f}{mark(got, c)}" for c in CONTENDERS) + " |")
    lines += ["", "## Errors", ""]
    bad = []
    for threads, mix, got in rows:
        for c in CONTENDERS:
            for i, x in enumerate(got[c]):
                if failed(x):
                    srv = ", ".join(f"{n} × {m} {rt} {st}" for (m, rt, st), n in
                                    sorted(x["server_errors"].items())) or "none"
                    bad.append(f"- --threads {threads}, {mix}, {label(c)}, round {i + 1}: wrk saw "
                               f"{x['status']} non-2xx responses and {x['socket_errors']} socket "
                               f"errors (connect {x['connect']}, read {x['read']}, write "
                               f"{x['write']}, timeout {x['timeout']}); the server counted: {srv}")
    if bad:
        lines += ["**Some rounds had errors: the figures marked † are not results.**", ""] + bad
    else:
        lines.append("None: in every round wrk saw no non-2xx response and no socket error, and "
                     "the server's own `http_requests_total` counted only 2xx answers.")
    pathlib.Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}", file=sys.stderr)
    return len(bad)


if __name__ == "__main__":
    main()
