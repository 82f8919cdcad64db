"""Tuning tables for `make bench`: what one knob of a server or of its
clients changes, measured on this machine, each as one "table" record whose
conclusion is worked out from the figures in it.

- tuning.threads: worker threads of build/bin/http (--threads 1, 2, 4, 8),
  wrk closed loop over keep-alive connections fetching a small file.
- tuning.keepalive: build/bin/http (and nginx, through tools/nginx-static)
  with keep-alive on (wrk's default) and off (wrk sending
  "Connection: close": a new TCP connection for every request).
- tuning.pipelining: osnet-load closed loop keeping 1, 4, 16 or 64
  requests outstanding per connection, against build/bin/kv (RESP GET)
  and build/bin/http (GET of a small file); with perf (when present) the
  server's system calls per request.
- tuning.backlog: a burst of simultaneous connects against
  build/bin/echo-epoll --backlog 16, 128 and 4096; connect times, connects
  that had to wait for a SYN retransmission, and the kernel's own counters
  of dropped SYNs (TcpExtListenOverflows, TcpExtListenDrops,
  TcpExtTCPSynRetrans from /proc/net/netstat, the numbers `nstat` shows),
  each burst in a fresh network namespace when `unshare --net` is allowed,
  so that the counters are its own.
- tuning.buffers, two tables. (1) echo-epoll's one buffer knob,
  --high-water BYTES (it stops reading a client once BYTES of its echo are
  unsent): 4 KiB, 64 KiB, 256 KiB (the default) and 1 MiB, under osnet-load
  sending 64 KiB messages on a few connections with many in flight, so the
  client falls behind reading; bytes/s, closed-loop p99, the server's system
  calls per message (perf), its peak resident memory, and what a client
  that sends but never reads costs the server in memory (the case the mark
  exists for). (2) Message size: 64 B, 1 KiB, 16 KiB and 64 KiB messages
  (echo-client --size, one connection ping-pong): bytes/s, and with perf
  the server's system calls per message.

Settings compared in one table alternate within each round (ctx.alternate),
so a noisy neighbour hurts each alike; every figure is the median of
ctx.reps rounds with the min–max beside it. A conclusion names a winner only
when its min–max range clears the other's; overlapping ranges are reported
as within the run-to-run spread. Any run with an error raises: its figures
are not results. Load tools and servers share the machine's cores.
"""
import os
import select
import signal
import socket
import statistics
import subprocess
import sys
import time

import benchlib
from run import Experiment, Skip

DEFAULT_THREADS = os.sysconf("SC_NPROCESSORS_ONLN")  # http's --threads default


# ---- formatting and the rules the conclusions follow -----------------------

def num(x):
    """A figure for a table cell: thousands separated, a few significant digits."""
    if x is None:
        return "–"
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def med(xs):
    return statistics.median(xs)


def span(xs):
    """'lo–hi' of the repetitions, or '–' for a single one."""
    return f"{num(min(xs))}–{num(max(xs))}" if len(xs) > 1 else "–"


def apart(a, b, better="higher"):
    """True when the repetitions of a and b do not overlap and a is the
    better side: a clear difference rather than run-to-run spread. With one
    repetition each there is no spread to judge by: False."""
    if len(a) < 2 or len(b) < 2:
        return False
    return min(a) > max(b) if better == "higher" else max(a) < min(b)


def spread_word(a, b, better="higher"):
    """How sure a difference between two sets of repetitions is."""
    if len(a) < 2 or len(b) < 2:
        return "one repetition each: no spread to judge by"
    if apart(a, b, better) or apart(b, a, better):
        return "a clear difference: the min–max ranges do not overlap"
    return "within the run-to-run spread: the min–max ranges overlap"


def all_within_spread(order, vals):
    """True when the best setting's range overlaps every other's (with at
    least two repetitions): no setting is clearly better."""
    best = best_of(order, vals)
    return len(vals[best]) > 1 and not any(apart(vals[best], vals[k]) for k in order if k != best)


def best_of(order, vals, better="higher"):
    pick = max if better == "higher" else min
    return pick(order, key=lambda k: med(vals[k]))


def enough(order, vals, within=1.05):
    """Where an ordered sweep (higher is better) stops helping: the first
    setting whose median comes within `within` of the best median, or whose
    min–max range overlaps the best's. The best itself if none does."""
    best = best_of(order, vals)
    for k in order:
        if med(vals[k]) * within >= med(vals[best]):
            return k
        if len(vals[k]) > 1 and not apart(vals[best], vals[k]):
            return k
    return best


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_load(r, what):
    """An osnet-load result that measured something, or RuntimeError."""
    if r.get("errors") or r.get("connect_errors"):
        raise RuntimeError(f"{what}: osnet-load reported {r.get('errors')} errors and "
                           f"{r.get('connect_errors')} connect errors")
    if not r.get("completed"):
        raise RuntimeError(f"{what}: osnet-load completed no request")
    return {"rps": float(r["rps"]), "p99_ms": float(r["latency_ms"]["p99"])}


def make_root(ctx):
    """The bench's document root (benchlib.make_root), made once per experiment."""
    root = ctx.tmp / "root"
    return root if root.exists() else benchlib.make_root(ctx.tmp)


def page_bytes(root):
    """Size of the small page every http run here fetches."""
    return (root / "index.html").stat().st_size


def stop_all(servers):
    """Stop every server of {name: Server}; returns what went wrong (a
    server that did not exit on SIGTERM, or left processes behind). Called
    from `finally`, it never raises, so it cannot hide the error that is
    already on its way; the caller raises on what it returns afterwards."""
    problems = []
    for name, server in servers.items():
        rc, clean, left = server.stop()
        if not clean or left:
            problems.append(f"{name} did not stop cleanly on SIGTERM (status {rc}"
                            f"{'; left ' + '; '.join(left) if left else ''})")
    return problems


def stopped_cleanly(problems):
    if problems:
        raise RuntimeError("; ".join(problems))


def wrk_seconds(ctx, n_points, overhead):
    """wrk takes whole seconds only: the per-point share rounded to the
    nearest second (down when rounding up would overrun the share by more
    than a fifth), at least 1."""
    share = ctx.point_seconds(n_points, overhead=overhead, lo=1.0, hi=10.0)
    up = max(1, round(share))
    return up if up + overhead <= 1.2 * (share + overhead) else max(1, int(share))


# ---- tuning.threads ---------------------------------------------------------

THREADS = [1, 2, 4, 8]
THREADS_CONNS = 64


def run_threads(ctx):
    root = make_root(ctx)
    secs = wrk_seconds(ctx, len(THREADS), overhead=0.6)
    servers = {}
    try:
        for n in THREADS:
            lch = ctx.launcher(f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} "
                               f"--threads {n}", f"http-t{n}")
            servers[n] = lch.start()

        def one(n):
            def go():
                ctx.progress(f"http --threads {n}: wrk {secs} s")
                return ctx.wrk(servers[n].port, "/index.html", secs, THREADS_CONNS, threads=2)
            return go

        got = ctx.alternate({n: one(n) for n in THREADS})
    finally:
        problems = stop_all({f"http --threads {n}": s for n, s in servers.items()})
    stopped_cleanly(problems)
    rps = {n: [x["rps"] for x in got[n]] for n in THREADS}
    p99 = {n: [x["p99_ms"] for x in got[n]] for n in THREADS}
    rows = [[n, num(med(rps[n])), span(rps[n]), num(med(p99[n])), span(p99[n])]
            for n in THREADS]
    best = best_of(THREADS, rps)
    dflt = DEFAULT_THREADS if DEFAULT_THREADS in THREADS else THREADS[0]
    one_t = THREADS[0]
    parts = [f"{plural(best, 'thread')} had the highest median ({num(med(rps[best]))} req/s"
             + (", the default: online CPUs)" if best == dflt else ")")]
    if best != one_t:
        parts.append(f"{med(rps[best]) / med(rps[one_t]):.2f}× one thread "
                     f"[{spread_word(rps[best], rps[one_t])}]")
    if best != dflt:
        parts.append(f"{med(rps[best]) / med(rps[dflt]):.2f}× the default of {dflt} "
                     f"(online CPUs) [{spread_word(rps[best], rps[dflt])}]")
    text = "; ".join(parts) + "."
    k = enough(THREADS, rps)
    if all_within_spread(THREADS, rps):
        text = ("No thread count was clearly better: every min–max range overlaps the best's. "
                + text)
    elif best == THREADS[0]:
        text += " More threads brought no gain."
    elif k == THREADS[0]:
        text += (f" {plural(k, 'thread')} already came within 5% of the best or within its "
                 f"run-to-run spread: more threads brought no clear gain.")
    elif k != best:
        text += (f" {plural(k, 'thread')} already came within 5% of the best or within its "
                 f"run-to-run spread: beyond {k} more threads brought no clear gain.")
    if k > DEFAULT_THREADS:
        text += (f" More threads than the {DEFAULT_THREADS} cores helped"
                 + (" in this single round" if ctx.reps < 2 else "") +
                 "; one likely reason: on a machine shared "
                 "with wrk and other work, more runnable threads win a larger share of "
                 "the CPU time.")
    worst_p99 = max(THREADS, key=lambda n: med(p99[n]))
    text += (f" wrk's closed-loop p99 ranged from {num(min(med(p99[n]) for n in THREADS))} to "
             f"{num(med(p99[worst_p99]))} ms (highest with {plural(worst_p99, 'thread')}).")
    return [{
        "kind": "table", "id": "tuning.threads", "title": "http: worker threads",
        "what": (f"build/bin/http --threads N (each thread its own SO_REUSEPORT listening "
                 f"socket) serving a {page_bytes(root)}-byte file; wrk, closed loop, "
                 f"{THREADS_CONNS} keep-alive connections, 2 wrk threads, {secs} s per run, "
                 f"{ctx.reps} round(s) with the thread counts alternating; all four servers "
                 f"started once. wrk shares the machine's {DEFAULT_THREADS} cores with the "
                 f"server."),
        "columns": ["threads", "wrk req/s (median)", "min–max",
                    "wrk p99 ms (closed loop, median)", "p99 min–max"],
        "rows": rows, "conclusion": text,
        "notes": [f"Default of --threads is the number of online CPUs ({DEFAULT_THREADS} here)."],
    }]


# ---- tuning.keepalive ---------------------------------------------------------

KA_CONNS = 64


def run_keepalive(ctx):
    root = make_root(ctx)
    servers = {"http": f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} --threads 1"}
    notes = []
    if ctx.tools.joinpath("nginx-static").exists() and _which("nginx"):
        servers["nginx"] = (f"{ctx.tools}/nginx-static --host {{host}} --port {{port}} "
                            f"--root {root} --threads 1 --error-log-level warn")
    else:
        notes.append("nginx (tools/nginx-static) is not available here: http only.")
    modes = {"on": (), "off": ("Connection: close",)}
    n_points = len(servers) * len(modes)
    secs = wrk_seconds(ctx, n_points, overhead=0.5)
    started = {}
    try:
        for name, tmpl in servers.items():
            started[name] = ctx.launcher(tmpl, name).start()

        def one(name, mode):
            def go():
                ctx.progress(f"{name}, keep-alive {mode}: wrk {secs} s")
                return ctx.wrk(started[name].port, "/index.html", secs, KA_CONNS, threads=1,
                               headers=modes[mode])
            return go

        got = ctx.alternate({(n, m): one(n, m) for n in servers for m in modes})
    finally:
        problems = stop_all(started)
    stopped_cleanly(problems)
    rows, parts = [], []
    for name in servers:
        rps = {m: [x["rps"] for x in got[(name, m)]] for m in modes}
        p99 = {m: [x["p99_ms"] for x in got[(name, m)]] for m in modes}
        for m in modes:
            rows.append([name, m, num(med(rps[m])), span(rps[m]), num(med(p99[m])),
                         span(p99[m])])
        ratio = med(rps["on"]) / med(rps["off"])
        parts.append(f"{name}: keep-alive on served {ratio:.2f}× the requests/s of a new "
                     f"connection per request [{spread_word(rps['on'], rps['off'])}], wrk's "
                     f"closed-loop p99 "
                     f"{num(med(p99['on']))} ms on vs {num(med(p99['off']))} ms off")
    text = "; ".join(parts) + "."
    if len(servers) > 1:
        # on ÷ off of each round (the two runs of a round are neighbours in time)
        r = {n: [a["rps"] / b["rps"] for a, b in zip(got[(n, "on")], got[(n, "off")])]
             for n in servers}
        more = max(r, key=lambda n: med(r[n]))
        less = min(r, key=lambda n: med(r[n]))
        if apart(r[more], r[less]):
            text += (f" A new connection per request cost {more} relatively more than {less} "
                     f"(on ÷ off per round {span(r[more])} vs {span(r[less])}).")
        elif len(r[more]) < 2:
            text += (f" With one round there is no spread to tell whether {more}'s "
                     f"{num(r[more][0])}× and {less}'s {num(r[less][0])}× differ.")
        else:
            text += (f" Neither server lost clearly more to a connection per request (on ÷ off "
                     f"per round: {more} {span(r[more])}, {less} {span(r[less])}: overlapping).")
    return [{
        "kind": "table", "id": "tuning.keepalive", "title": "Keep-alive on and off",
        "what": (f"GET of a {page_bytes(root)}-byte file; wrk, closed loop, {KA_CONNS} "
                 f"connections, 1 wrk thread, {secs} s per run; keep-alive on: wrk's "
                 f"persistent connections; off: wrk sends 'Connection: close', the server "
                 f"closes after each response and wrk reconnects (wrk's latency starts once "
                 f"connected, so it leaves the handshake out; the handshake shows in req/s). "
                 f"Servers with one worker each (http --threads 1"
                 + (", nginx worker_processes 1 via tools/nginx-static" if "nginx" in servers
                    else "") +
                 f"), started once; {ctx.reps} round(s), every server × mode alternating."),
        "columns": ["server", "keep-alive", "wrk req/s (median)", "min–max",
                    "wrk p99 ms (closed loop, median)", "p99 min–max"],
        "rows": rows, "conclusion": text, "notes": notes,
    }]


def _which(name):
    import shutil
    return shutil.which(name) is not None


# ---- tuning.pipelining --------------------------------------------------------

DEPTHS = [1, 4, 16, 64]
PIPE_CONNS = 8


def run_pipelining(ctx):
    root = make_root(ctx)
    targets = ["kv", "http"]
    # About 5 s go to filling kv and to the perf runs, outside the rounds.
    secs = max(0.3, min(10.0, (ctx.seconds - 5.0) / (len(DEPTHS) * len(targets) * ctx.reps)
                        - 0.45))
    warm = 0.2
    count_s = 0.25
    tmpl = {"kv": f"{ctx.bin}/kv --host {{host}} --port {{port}} --dir {ctx.tmp}",
            "http": f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} --threads 1"}
    notes = []

    def load_args(t, d, duration, warmup):
        args = ["--port", started[t].port, "--connections", PIPE_CONNS, "--pipeline", d,
                "--duration", f"{duration:.2f}", "--warmup", warmup]
        return args + (["--proto", "resp", "--op", "get"] if t == "kv"
                       else ["--proto", "http", "--path", "/index.html"])

    started = {}
    try:
        for t in targets:
            started[t] = ctx.launcher(tmpl[t], t).start()
        # Fill the keyspace so the GETs find values (SET replies checked by
        # osnet-load; its figures are not part of the table).
        check_load(ctx.load(["--proto", "resp", "--port", started["kv"].port, "--op", "set",
                             "--connections", PIPE_CONNS, "--pipeline", 16,
                             "--duration", 1.0, "--warmup", 0]), "kv SET fill")

        def one(t, d):
            def go():
                ctx.progress(f"{t}, pipeline {d}: {secs:.2f} s")
                return check_load(ctx.load(load_args(t, d, secs, warm)), f"{t} --pipeline {d}")
            return go

        got = ctx.alternate({(t, d): one(t, d) for t in targets for d in DEPTHS})
        # Not timed: the server's system calls per request at each depth,
        # counted by perf over a separate short run (no warmup, so every
        # completed request of the run is in the count).
        per_req = {}
        for t in targets:
            for d in DEPTHS:
                c, r = count_syscalls(started[t].pid,
                                      lambda: ctx.load(load_args(t, d, count_s, 0)))
                check_load(r, f"{t} --pipeline {d} (counted run)")
                per_req[(t, d)] = None if c is None else c / r["completed"]
        if any(v is None for v in per_req.values()):
            notes.append("perf could not count the servers' system calls here: that column "
                         "is left empty.")
            per_req = {k: None for k in per_req}
    finally:
        problems = stop_all(started)
    stopped_cleanly(problems)
    rows, parts = [], []
    for t in targets:
        rps = {d: [x["rps"] for x in got[(t, d)]] for d in DEPTHS}
        p99 = {d: [x["p99_ms"] for x in got[(t, d)]] for d in DEPTHS}
        for d in DEPTHS:
            rows.append([t, d, num(med(rps[d])), span(rps[d]),
                         f"{med(rps[d]) / med(rps[1]):.2f}", num(med(p99[d])), span(p99[d]),
                         num(per_req[(t, d)])])
        best = best_of(DEPTHS, rps)
        s = (f"{t}: depth {best} gave the most ({num(med(rps[best]))} req/s, "
             f"{med(rps[best]) / med(rps[1]):.1f}× depth 1 "
             f"[{spread_word(rps[best], rps[1])}])")
        k = enough(DEPTHS, rps)
        if k != best:
            s += f", depth {k} already within 5% or the spread of the best"
        s += (f"; closed-loop p99 went from {num(med(p99[1]))} ms at depth 1 to "
              f"{num(med(p99[DEPTHS[-1]]))} ms at {DEPTHS[-1]}")
        lo_d, hi_d = per_req[(t, 1)], per_req[(t, DEPTHS[-1])]
        if lo_d is not None:
            s += (f"; the server's system calls per request went from {num(lo_d)} at depth 1 "
                  f"to {num(hi_d)} at {DEPTHS[-1]}")
            if hi_d > 0.5 * lo_d:
                s += (" (most of its calls are made per request, not per read or write, so "
                      "pipelining cannot spread them)")
            else:
                s += " (one read or write carries many requests)"
        parts.append(s)
    text = "; ".join(parts) + "."
    return [{
        "kind": "table", "id": "tuning.pipelining", "title": "Pipelining depth",
        "what": (f"osnet-load, closed loop, {PIPE_CONNS} connections each keeping D requests "
                 f"outstanding (--pipeline D), 1 client thread, {secs:.2f} s measured after "
                 f"{warm} s warmup; build/bin/kv answering GET of random keys among 100,000 "
                 f"(filled by 1 s of SETs first) and build/bin/http --threads 1 answering GET "
                 f"of a {page_bytes(root)}-byte file; each server single-threaded and started "
                 f"once; {ctx.reps} round(s), every server × depth alternating. Latency is from "
                 f"the send of a request to its answer, so it includes the wait behind the "
                 f"requests ahead of it. System calls: perf stat -e raw_syscalls:sys_enter on "
                 f"the server over a separate, untimed {count_s} s run at each depth, divided "
                 f"by the requests that run completed."),
        "columns": ["server", "depth", "req/s (median)", "min–max", "÷ depth 1",
                    "osnet-load p99 ms (closed loop, median)", "p99 min–max",
                    "server syscalls/request"],
        "rows": rows, "conclusion": text, "notes": notes,
    }]


# ---- tuning.backlog ----------------------------------------------------------

BACKLOGS = [16, 128, 4096]
LATE_MS = 900.0  # a connect this slow waited for a retransmitted SYN (initial RTO 1 s)
BURST_WAIT = 1.3  # seconds a burst waits for its connects: one SYN retransmission fits

# One burst, run as its own process (in a fresh network namespace when
# `unshare --net` works, so the kernel's counters count this burst alone):
# it starts the listener, connects k times back to back, and prints JSON.
BURST = '''\
"""One connect burst for bench tuning.backlog (written and run by
bench/exp_tuning.py). Starts the listener of --server (a JSON argv list
in which {port} and {backlog} are filled in). Then issues --connections
non-blocking connects
back to back, waits up to --wait s for them, and prints one JSON line: the
connect times in ms, failures, connects still pending, and the change of
the kernel's TcpExt counters (/proc/net/netstat) across the burst.
--lo-up first brings up the loopback of a fresh network namespace."""
import argparse, errno, fcntl, json, resource, select, socket, struct
import subprocess, sys, time

COUNTERS = ("ListenOverflows", "ListenDrops", "TCPSynRetrans")


def lo_up():
    s = socket.socket()
    req = struct.pack("16sH14x", b"lo", 0)
    flags = struct.unpack("16sH14x", fcntl.ioctl(s, 0x8913, req))[1]  # SIOCGIFFLAGS
    fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    s.close()


def counters():
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            d = dict(zip(head.split()[1:], map(int, vals.split()[1:])))
            return {n: d.get(n, 0) for n in COUNTERS}
    return {n: 0 for n in COUNTERS}


def burst(port, k, wait):
    ep = select.epoll()
    socks, start, times, failed = {}, {}, [], 0

    def reap(timeout):
        nonlocal failed
        for fd, _ in ep.poll(timeout):
            now = time.monotonic()
            ep.unregister(fd)
            s = socks.pop(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                times.append((now - start[fd]) * 1000.0)
            else:
                failed += 1
            s.close()

    t0 = time.monotonic()
    for i in range(k):
        s = socket.socket()
        s.setblocking(False)
        start[s.fileno()] = time.monotonic()
        rc = s.connect_ex(("127.0.0.1", port))
        if rc not in (0, errno.EINPROGRESS):
            failed += 1
            s.close()
            continue
        socks[s.fileno()] = s
        ep.register(s.fileno(), select.EPOLLOUT)
        if i % 64 == 63:
            reap(0)  # record the early ones close to when they completed
    issued = time.monotonic() - t0
    while socks and time.monotonic() - t0 < wait:
        reap(0.02)
    pending = len(socks)
    for s in socks.values():
        s.close()
    return {"times_ms": times, "failed": failed, "pending": pending, "issued_s": issued}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backlog", type=int, required=True)
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--wait", type=float, default=1.3)
    ap.add_argument("--server", required=True)
    ap.add_argument("--lo-up", action="store_true")
    a = ap.parse_args()
    if a.lo_up:
        lo_up()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cmd = [w.replace("{port}", str(a.port)).replace("{backlog}", str(a.backlog))
           for w in json.loads(a.server)]
    srv = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            if srv.poll() is not None:
                sys.exit(f"the listener exited ({srv.returncode}): "
                         + srv.stderr.read().decode(errors="replace")[-500:])
            try:
                socket.create_connection(("127.0.0.1", a.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("the listener did not accept within 10 s")
                time.sleep(0.02)
        time.sleep(0.05)
        c0 = counters()
        r = burst(a.port, a.connections, a.wait)
        c1 = counters()
    finally:
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
    r["counters"] = {n: c1[n] - c0[n] for n in COUNTERS}
    with open("/proc/sys/net/core/somaxconn") as f:
        r["somaxconn"] = int(f.read())
    print(json.dumps(r))


if __name__ == "__main__":
    main()
'''


def with_span(xs):
    """'median' or 'median (lo–hi)' of integer counts."""
    m = f"{med(xs):.0f}"
    return m if len(xs) < 2 else f"{m} ({min(xs)}–{max(xs)})"


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None


def echo_epoll_with_backlog(ctx):
    """The argv (with {port} and {backlog}) of build/bin/echo-epoll with its
    --backlog option; Skip when this build of it predates the option."""
    exe = ctx.bin / "echo-epoll"
    try:
        h = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Skip(f"cannot run {exe} --help: {e}") from None
    if "--backlog" not in h.stdout + h.stderr:
        raise Skip(f"{exe} has no --backlog option: rebuild it (make)")
    return [str(exe), "--host", "127.0.0.1", "--port", "{port}", "--backlog", "{backlog}"]


def own_netns_works():
    """True when `unshare --net` can give a burst a network namespace of its own."""
    try:
        return subprocess.run(["unshare", "--net", "--", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_backlog(ctx):
    import json
    from osnet_harness.launch import free_port
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    k = min(2000, hard - 100) if hard != resource.RLIM_INFINITY else 2000
    if k < 500:
        raise Skip(f"RLIMIT_NOFILE allows only {hard} descriptors: too few for a burst")
    script = ctx.tmp / "burst.py"
    script.write_text(BURST)
    notes = []
    server = echo_epoll_with_backlog(ctx)
    netns = own_netns_works()
    if netns:
        notes.append("Each burst ran in a fresh network namespace (unshare --net) with its own "
                     "listener, so the kernel counters count that burst alone.")
    else:
        notes.append("unshare --net is not permitted here: the bursts ran in this machine's "
                     "network namespace, whose counters also count any other connections "
                     "made meanwhile.")

    def one(b):
        def go():
            ctx.progress(f"backlog {b}: {k} connects")
            port = 7400 if netns else free_port()
            cmd = [sys.executable, str(script), "--port", str(port), "--backlog", str(b),
                   "--connections", str(k), "--wait", str(BURST_WAIT),
                   "--server", json.dumps(server)]
            if netns:
                cmd = ["unshare", "--net", "--"] + cmd + ["--lo-up"]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=BURST_WAIT + 60)
            if p.returncode != 0:
                raise RuntimeError(f"backlog {b}: the burst exited {p.returncode}: "
                                   f"{p.stderr.strip()[-800:]}")
            r = json.loads(p.stdout.strip().splitlines()[-1])
            if r["failed"]:
                raise RuntimeError(f"backlog {b}: {r['failed']} connects failed outright")
            return r
        return go

    got = ctx.alternate({b: one(b) for b in BACKLOGS})
    somax = {r["somaxconn"] for b in BACKLOGS for r in got[b]}
    notes.append(f"net.core.somaxconn is {', '.join(map(str, sorted(somax)))} where the bursts "
                 f"ran: the kernel caps any backlog to it.")
    rows = []
    late, p99s = {}, {}
    for b in BACKLOGS:
        res = got[b]
        late[b] = [sum(t > LATE_MS for t in r["times_ms"]) + r["pending"] for r in res]
        p99 = [pct(r["times_ms"], 0.99) for r in res]
        p50 = [pct(r["times_ms"], 0.50) for r in res]
        pend = [r["pending"] for r in res]
        cnt = {n: [r["counters"][n] for r in res]
               for n in ("ListenOverflows", "ListenDrops", "TCPSynRetrans")}
        p99s[b] = med(p99)
        rows.append([b, num(med(p50)), num(med(p99)), with_span(late[b]), f"{med(pend):.0f}",
                     with_span(cnt["ListenOverflows"]), with_span(cnt["ListenDrops"]),
                     with_span(cnt["TCPSynRetrans"])])
    def overflowed(r):
        """The kernel counted a SYN dropped or retransmitted in this burst."""
        return r["counters"]["ListenOverflows"] > 0 or r["counters"]["TCPSynRetrans"] > 0

    clean = [b for b in BACKLOGS if not any(overflowed(r) for r in got[b])]
    # Slow connects in bursts where the kernel dropped and retransmitted nothing.
    stray = {b: sum(sum(t > LATE_MS for t in r["times_ms"]) + r["pending"]
                    for r in got[b] if not overflowed(r)) for b in BACKLOGS}
    p99_text = " / ".join(f"{num(p99s[b])}" for b in BACKLOGS)
    text = (f"Of {k} connects in a burst, "
            + ", ".join(f"{med(late[b]):.0f} (backlog {b})" for b in BACKLOGS)
            + f" took ≥{LATE_MS / 1000:.1f} s (median of rounds; a dropped SYN is sent again "
            f"after 1 s); connect p99 {p99_text} ms. ")
    if not clean:
        text += ("Even the largest backlog overflowed in some round (the kernel counted dropped "
                 "or retransmitted SYNs): the burst outran echo-epoll's accept loop by more "
                 "than the queue holds.")
    elif clean[0] == BACKLOGS[0]:
        text = (f"No backlog's queue overflowed: the kernel counted no dropped or retransmitted "
                f"SYN in any round, so echo-epoll accepted the {k} connects about as fast as "
                f"they arrived and the queue length did not matter in this run (connect p99 "
                f"{p99_text} ms).")
    else:
        below = [b for b in BACKLOGS if b < clean[0]]
        text += (f"The smallest backlog whose queue never overflowed (no dropped or "
                 f"retransmitted SYN counted in any round) was {clean[0]} ("
                 + ", ".join(f"{b}: overflowed in {sum(map(overflowed, got[b]))} of "
                             f"{len(got[b])} rounds" for b in below)
                 + "); a full accept queue makes the kernel drop SYNs (ListenOverflows) and "
                 "those clients wait out the 1 s retransmission timer.")
    odd = [b for b in BACKLOGS if stray[b]]
    if odd:
        text += (" " + ", ".join(f"{stray[b]} (backlog {b})" for b in odd)
                 + f" connects took ≥{LATE_MS / 1000:.1f} s in rounds where the kernel counted "
                 f"no dropped or retransmitted SYN: not queue losses; likely the burst's own "
                 f"Python process, on a shared machine, was slow to see them complete.")
    return [{
        "kind": "table", "id": "tuning.backlog", "title": "Listen backlog under a connect burst",
        "what": (f"A burst of {k} non-blocking connects issued back to back from one Python "
                 f"process (epoll for completion), waiting up to {BURST_WAIT} s, against "
                 f"build/bin/echo-epoll --backlog N (N = 16, 128, 4096; its acceptor takes "
                 f"up to 64 connections per wakeup), a fresh server per burst; "
                 f"{ctx.reps} round(s), backlogs alternating. A connect time runs from "
                 f"connect() to epoll reporting the socket writable. Kernel counters (what "
                 f"nstat shows as TcpExt...), differences across each burst: ListenOverflows "
                 f"counts every SYN or handshake ACK dropped because the accept queue was full "
                 f"(one connect can be dropped more than once), TCPSynRetrans the SYN and "
                 f"SYN-ACK retransmissions. Counts are medians of the rounds, min–max in "
                 f"brackets."),
        "columns": ["backlog", "connect p50 ms", "connect p99 ms",
                    f"connects that took ≥{LATE_MS / 1000:.1f} s",
                    f"not connected after {BURST_WAIT} s",
                    "ListenOverflows", "ListenDrops", "TCPSynRetrans"],
        "rows": rows, "conclusion": text, "notes": notes,
    }]


# ---- tuning.buffers ----------------------------------------------------------

SIZES = [64, 1024, 16384, 65536]  # the message-size table
HIGH_WATERS = [4 << 10, 64 << 10, 256 << 10, 1 << 20]  # echo-epoll --high-water
HW_DEFAULT = 256 << 10  # echo-epoll's own default: that server also serves the size table
HW_MSG = 64 << 10  # message size of the high-water runs (also echo-epoll's largest recv())
HW_CONNS = 4
HW_DEPTH = 16  # messages in flight per connection: 1 MiB the client may fall behind by
HW_WARM = 0.2
HW_COUNT_S = 0.3  # the perf-counted run of each setting
STALL_CLIENTS = 4
STALL_IDLE = 0.2  # a non-reading client counts as stalled after this long without progress
FIXED_S = 2.5  # server starts, calibration and non-reading clients, outside the rounds
PERF_S = 4.0  # the perf-counted runs of both tables, when perf is installed


def size_label(b):
    if b >= 1 << 20:
        return f"{b >> 20} MiB"
    return f"{b // 1024} KiB" if b >= 1024 else f"{b} B"


def echo_client(ctx, port, size, messages):
    import json
    cmd = [str(ctx.bin / "echo-client"), "--port", str(port), "--connections", "1",
           "--messages", str(messages), "--size", str(size), "--timeout", "60", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    if p.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {p.returncode}: {p.stderr.strip()[-500:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if not r.get("ok") or r.get("errors"):
        raise RuntimeError(f"`{' '.join(cmd)}`: {r}")
    return r


def count_syscalls(pid, run):
    """(system calls made by process pid while run() runs, run()'s result).
    perf stat counts the raw_syscalls:sys_enter tracepoint; it starts with
    counting off and is switched on and off around run() through its
    --control pipes, each switch acknowledged, so the count covers run()
    and nothing of perf's own start. The count is None when perf is
    missing or cannot count here."""
    import shutil
    if not shutil.which("perf"):
        return None, run()
    ctl_r, ctl_w = os.pipe()
    ack_r, ack_w = os.pipe()
    try:
        p = subprocess.Popen(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-D", "-1",
                              "--control", f"fd:{ctl_r},{ack_w}", "-p", str(pid)],
                             pass_fds=(ctl_r, ack_w), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    finally:
        os.close(ctl_r)
        os.close(ack_w)

    def switch(cmd):
        """Send enable/disable; True once perf acknowledged it."""
        try:
            os.write(ctl_w, cmd)
        except OSError:
            return False
        ready, _, _ = select.select([ack_r], [], [], 10)
        return bool(ready) and os.read(ack_r, 16).startswith(b"ack")

    counting = False
    try:
        counting = switch(b"enable\n")
        result = run()
        counting = counting and switch(b"disable\n")
    finally:
        p.send_signal(signal.SIGINT)
        try:
            _, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        os.close(ctl_w)
        os.close(ack_r)
    if not counting:
        return None, result
    for line in err.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("raw_syscalls:sys_enter") and f[0].isdigit():
            return int(f[0]), result
    return None, result


def status_kib(pid, field):
    """One of the Vm... lines (VmRSS, VmHWM) of /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field} line")


def non_reading_clients(ctx, server, n):
    """What n clients that send and never read cost a server: each writes
    64 KiB blocks without blocking until none of them has got a byte out for
    STALL_IDLE s (the server stopped reading them at its high-water mark and
    every socket buffer on the way is full). Returns (KiB of the server's
    resident memory per client, above what it had before they connected;
    MiB each client got sent before it stalled, the median)."""
    before = status_kib(server.pid, "VmRSS")
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            socks[-1].setblocking(False)
        sent = {c: 0 for c in socks}
        block = bytes(64 << 10)
        t0 = last = time.monotonic()
        while time.monotonic() - last < STALL_IDLE:
            if time.monotonic() - t0 > 30:
                raise RuntimeError("clients that never read were still sending after 30 s: "
                                   "the server did not stop reading them")
            _, ready, _ = select.select([], socks, [], 0.05)
            for c in ready:
                try:
                    sent[c] += c.send(block)  # a reset by the server raises: a failed run
                    last = time.monotonic()
                except BlockingIOError:
                    pass
        held = status_kib(server.pid, "VmRSS")
    finally:
        for c in socks:
            c.close()
    return (held - before) / n, med(sent.values()) / 2**20


def kernel_buffer_note():
    """The kernel's TCP buffer limits, as a note (the autotuning bounds)."""
    out = []
    for name in ("tcp_rmem", "tcp_wmem"):
        try:
            with open(f"/proc/sys/net/ipv4/{name}") as f:
                lo, dflt, hi = f.read().split()
            out.append(f"net.ipv4.{name} = {lo} {dflt} {hi} (max {int(hi) / 2**20:.0f} MiB)")
        except (OSError, ValueError):
            pass
    return ("No reference has an SO_RCVBUF/SO_SNDBUF option: the kernel autotunes every socket "
            "buffer" + (f"; here {'; '.join(out)}." if out else "."))


def run_buffers(ctx):
    """Both tables of tuning.buffers: echo-epoll's --high-water first, then
    message size on the default-setting server."""
    reps = ctx.reps
    import shutil
    avail = max(0.0, ctx.seconds - FIXED_S - (PERF_S if shutil.which("perf") else 0.0))
    # Six tenths of the rounds' time to the high-water runs (each also pays
    # the warmup and osnet-load's start and drain), four to the sizes.
    hw_secs = max(0.3, min(10.0, 0.6 * avail / (len(HIGH_WATERS) * reps) - HW_WARM - 0.15))
    sz_secs = max(0.2, min(10.0, 0.4 * avail / (len(SIZES) * reps) - 0.1))
    notes = []
    servers = {}
    try:
        for h in HIGH_WATERS:
            servers[h] = ctx.launcher(f"{ctx.bin}/echo-epoll --host {{host}} --port {{port}} "
                                      f"--high-water {h}", f"echo-epoll-hw{h}").start()

        def load_args(h, secs, warm):
            return ["--proto", "echo", "--port", servers[h].port, "--size", HW_MSG,
                    "--connections", HW_CONNS, "--pipeline", HW_DEPTH,
                    "--duration", f"{secs:.2f}", "--warmup", warm]

        def hw_one(h):
            def go():
                ctx.progress(f"echo-epoll --high-water {size_label(h)}: {hw_secs:.2f} s")
                return check_load(ctx.load(load_args(h, hw_secs, HW_WARM)),
                                  f"echo-epoll --high-water {h}")
            return go

        hw_got = ctx.alternate({h: hw_one(h) for h in HIGH_WATERS})
        # Read before anything else runs on these servers.
        peak = {h: status_kib(servers[h].pid, "VmHWM") for h in HIGH_WATERS}
        # Not timed: the server's system calls per message, counted by perf
        # over a separate short run (no warmup; osnet-load waits for every
        # answer at the end, so all the run's messages are in the count).
        hw_sys = {}
        for h in HIGH_WATERS:
            c, r = count_syscalls(servers[h].pid,
                                  lambda: ctx.load(load_args(h, HW_COUNT_S, 0)))
            check_load(r, f"echo-epoll --high-water {h} (counted run)")
            hw_sys[h] = None if c is None else c / r["completed"]

        # The message-size table, against the server with echo-epoll's
        # default mark. A short calibration run per size: how many messages
        # fill sz_secs; each round resizes the next from the rate it measured.
        s = servers[HW_DEFAULT]
        msgs = {}
        for b in SIZES:
            probe = 2000 if b < 16384 else 300
            msgs[b] = max(100, int(echo_client(ctx, s.port, b, probe)["msgs_per_s"] * sz_secs))

        def size_one(b):
            def go():
                ctx.progress(f"echo-epoll, {size_label(b)} messages: {msgs[b]}")
                r = echo_client(ctx, s.port, b, msgs[b])
                msgs[b] = max(100, int(r["msgs_per_s"] * sz_secs))
                return r
            return go

        sz_got = ctx.alternate({b: size_one(b) for b in SIZES})
        sz_sys = {}
        for b in SIZES:
            n = 2000 if b < 16384 else 500
            c, _ = count_syscalls(s.pid, lambda: echo_client(ctx, s.port, b, n))
            sz_sys[b] = None if c is None else c / n
    finally:
        problems = stop_all({f"echo-epoll --high-water {h}": v for h, v in servers.items()})
    stopped_cleanly(problems)

    # Non-reading clients, once per setting, each on a fresh server: memory
    # the load runs left in its heap would otherwise be reused and hide.
    stall = {}
    for h in HIGH_WATERS:
        ctx.progress(f"echo-epoll --high-water {size_label(h)}: "
                     f"{STALL_CLIENTS} clients that never read")
        fresh = ctx.launcher(f"{ctx.bin}/echo-epoll --host {{host}} --port {{port}} "
                             f"--high-water {h}", f"echo-epoll-stall{h}").start()
        try:
            stall[h] = non_reading_clients(ctx, fresh, STALL_CLIENTS)
        finally:
            problems = stop_all({f"echo-epoll --high-water {h} (non-reading clients)": fresh})
        stopped_cleanly(problems)

    if any(v is None for v in list(hw_sys.values()) + list(sz_sys.values())):
        notes.append("perf could not count the server's system calls here (not installed, or "
                     "not permitted): those columns are left empty.")
        hw_sys = {h: None for h in HIGH_WATERS}
        sz_sys = {b: None for b in SIZES}
    notes.append(kernel_buffer_note())
    pingpong = [x["bytes"] / x["elapsed_s"] / 2**20 for x in sz_got[HW_MSG]]
    return [high_water_table(ctx, hw_got, hw_sys, peak, stall, hw_secs, pingpong, notes),
            size_table(ctx, sz_got, sz_sys, sz_secs, notes)]


def high_water_table(ctx, got, sys_per_msg, peak, stall, secs, pingpong, notes):
    """The --high-water table; pingpong is the MiB/s of the size table's
    64 KiB runs (echo-client, one connection) against the default-mark
    server, to tell whether the load runs were paced by the server."""
    H = HIGH_WATERS
    mib = {h: [x["rps"] * HW_MSG / 2**20 for x in got[h]] for h in H}
    p99 = {h: [x["p99_ms"] for x in got[h]] for h in H}
    rows = [[size_label(h) + (" (default)" if h == HW_DEFAULT else ""), num(med(mib[h])),
             span(mib[h]), num(med(p99[h])), span(p99[h]), num(sys_per_msg[h]),
             num(peak[h] / 1024), num(stall[h][0]), num(stall[h][1])] for h in H]
    lab = size_label
    best = best_of(H, mib)
    text = ("MiB/s (median): " + ", ".join(f"{lab(h)} {num(med(mib[h]))}" for h in H) + ". ")
    if ctx.reps < 2:
        worst = min(H, key=lambda h: med(mib[h]))
        text += (f"With one round there is no spread to judge by ({lab(best)} had the highest "
                 f"median, {med(mib[best]) / med(mib[worst]):.2f}× {lab(worst)}'s). ")
    else:
        slower = [h for h in H if h != best and apart(mib[best], mib[h])]
        if not slower:
            text += "No setting was clearly faster: every min–max range overlaps the best's. "
        else:
            text += (f"{lab(best)} was clearly faster than "
                     + ", ".join(f"{lab(h)} ({med(mib[best]) / med(mib[h]):.2f}×)"
                                 for h in slower)
                     + "; the min–max ranges of the others overlap its own. ")
    top = max(max(v) for v in mib.values())
    if top < min(pingpong) / 2:
        text += (f"The client set the pace: the same server (default mark) echoed "
                 f"{num(med(pingpong))} MiB/s of 64 KiB messages to echo-client's single "
                 f"ping-pong connection (next table), where these runs reached at most "
                 f"{num(top)}; so the client fell behind reading, as intended here. ")
    lo_h, read = H[0], HW_MSG
    if sys_per_msg[lo_h] is not None:
        text += ("Server system calls per 64 KiB message: "
                 + ", ".join(f"{lab(h)} {num(sys_per_msg[h])}" for h in H) + ". ")
        if lo_h < read and sys_per_msg[lo_h] > 2 * sys_per_msg[read]:
            text += (f"A mark below the message size costs calls: echo-epoll reads no more "
                     f"than the mark leaves room for, so at {lab(lo_h)} a message takes many "
                     f"small reads and sends. ")
    # Could the bigger marks have filled? HW_CONNS connections each holding
    # a full 1 MiB instead of 64 KiB would raise the peak by this much.
    full = HW_CONNS * (H[-1] - read) / 1024
    grew = peak[H[-1]] - peak[read]
    if grew < full / 2:
        lo_p, hi_p = num(min(peak.values()) / 1024), num(max(peak.values()) / 1024)
        text += (f"The server's peak memory in the load runs was "
                 f"{lo_p if lo_p == hi_p else lo_p + '–' + hi_p} MiB "
                 f"whatever the mark, where {HW_CONNS} full 1 MiB buffers would have added "
                 f"{num(full / 1024)} MiB: the marks above {lab(read)} were rarely if ever "
                 f"reached, because the kernel's socket buffers took what the client had not "
                 f"read yet. ")
    else:
        text += (f"With {lab(H[-1])} the server's peak memory in the load runs was "
                 f"{num(grew / 1024)} MiB above {lab(read)}'s: its buffers did fill. ")
    text += ("A client that sends and never reads held "
             + ", ".join(f"{num(stall[h][0])} KiB ({lab(h)})" for h in H)
             + f" of the server's memory, which the mark bounds; the kernel had taken about "
             f"{num(min(v[1] for v in stall.values()))}–{num(max(v[1] for v in stall.values()))}"
             f" MiB from each such client before its sends stalled, whatever the mark.")
    above = H[H.index(read) + 1:]
    if (ctx.reps > 1 and grew < full / 2
            and not any(apart(mib[a], mib[b]) for a in [read] + above for b in [read] + above)):
        text += (f" So above {lab(read)} the mark changed neither bytes/s nor peak memory in "
                 f"the load runs clearly; "
                 f"what it changes is how much memory a client that stops reading can pin.")
    return {
        "kind": "table", "id": "tuning.buffers",
        "title": "echo-epoll: output buffer bound (--high-water)",
        "what": (f"osnet-load, closed loop, {HW_CONNS} connections each keeping {HW_DEPTH} "
                 f"64 KiB messages in flight (up to 1 MiB per connection that the client may "
                 f"fall behind reading; every byte checked), 1 client thread, {secs:.2f} s "
                 f"measured after {HW_WARM} s warmup, against build/bin/echo-epoll "
                 f"--high-water N (one thread; it stops reading a client once N bytes of its "
                 f"echo are unsent, resumes at N/2, and reads at most 64 KiB and never more "
                 f"than N leaves room for); one server per setting, started once; {ctx.reps} "
                 f"round(s), settings alternating. MiB/s counts one direction. System calls: "
                 f"perf stat -e raw_syscalls:sys_enter on the server over a separate, untimed "
                 f"{HW_COUNT_S} s run, divided by the messages it completed. Peak memory: the "
                 f"server's VmHWM after its load runs. Non-reading clients: on a fresh server "
                 f"per setting, {STALL_CLIENTS} clients send 64 KiB blocks and never read, "
                 f"until no send has made progress for {STALL_IDLE} s; the server's VmRSS then, "
                 f"minus before they connected, per client; measured once."),
        "columns": ["--high-water", "MiB/s (median)", "min–max",
                    "osnet-load p99 ms (closed loop, median)", "p99 min–max",
                    "server syscalls/msg", "server peak MiB (load runs)",
                    "KiB held per non-reading client", "MiB a non-reading client sent"],
        "rows": rows, "conclusion": text, "notes": list(notes),
    }


def size_table(ctx, got, sys_per_msg, secs, notes):
    bps = {b: [x["bytes"] / x["elapsed_s"] for x in got[b]] for b in SIZES}
    mps = {b: [x["msgs_per_s"] for x in got[b]] for b in SIZES}
    p99 = {b: [x["latency_us"]["p99"] for x in got[b]] for b in SIZES}
    rows = []
    for b in SIZES:
        spm = sys_per_msg[b]
        rows.append([size_label(b), num(med(bps[b]) / 2**20), span([x / 2**20 for x in bps[b]]),
                     num(med(mps[b])), num(med(p99[b])),
                     num(spm), num(b / spm) if spm else "–"])
    lo, hi = SIZES[0], SIZES[-1]
    text = (f"{size_label(hi)} messages moved {med(bps[hi]) / med(bps[lo]):.0f}× the bytes/s of "
            f"{size_label(lo)} ones ({hi // lo}× the bytes per message) while messages/s fell "
            f"{med(mps[lo]) / med(mps[hi]):.1f}×: ")
    if med(mps[lo]) / med(mps[hi]) < (hi // lo) / 4:
        text += "for small messages the fixed cost of each message (system calls, wakeups) " \
                "dominates, not the bytes."
    else:
        text += "the per-byte cost (copying) already dominates."
    if sys_per_msg[lo] is not None:
        text += (f" The server made {sys_per_msg[lo]:.1f} system calls per {size_label(lo)} "
                 f"message ({lo / sys_per_msg[lo]:.0f} B per call) and "
                 f"{sys_per_msg[hi]:.1f} per {size_label(hi)} message "
                 f"({num(hi / sys_per_msg[hi])} B per call).")
    steps = [f"{size_label(a)}→{size_label(b)} ×{med(bps[b]) / med(bps[a]):.2f}"
             for a, b in zip(SIZES, SIZES[1:])]
    text += f" Bytes/s per step: {', '.join(steps)}."
    k = enough(SIZES, bps)
    best = best_of(SIZES, bps)
    if k != best:
        text += (f" Beyond {size_label(k)} larger messages gave no clear gain in bytes/s "
                 f"({size_label(best)}: {med(bps[best]) / med(bps[k]):.2f}× {size_label(k)}; "
                 f"{spread_word(bps[best], bps[k])}).")
    elif best != SIZES[-1]:
        last = SIZES[-1]
        text += (f" Bytes/s peaked at {size_label(best)}: {size_label(last)} reached "
                 f"{med(bps[last]) / med(bps[best]):.2f}× of it "
                 f"[{spread_word(bps[best], bps[last])}].")
    return {
        "kind": "table", "id": "tuning.buffers.message-size", "title": "echo-epoll: message size",
        "what": (f"build/bin/echo-client, one connection, ping-pong (one message in flight, "
                 f"every byte verified), against build/bin/echo-epoll (one thread, its default "
                 f"--high-water {size_label(HW_DEFAULT)}, reads up to 64 KiB per recv()); "
                 f"messages per run sized for about {secs:.2f} s from the rate of a short "
                 f"calibration run, then of the previous round; {ctx.reps} round(s), sizes "
                 f"alternating. bytes/s counts one direction. System calls: perf stat -e "
                 f"raw_syscalls:sys_enter on the server during a separate, untimed run of "
                 f"2,000 (small) or 500 (16 KiB and up) messages."),
        "columns": ["message", "MiB/s (median)", "min–max", "msgs/s",
                    "echo-client p99 µs (closed loop)", "server syscalls/msg",
                    "bytes per syscall"],
        "rows": rows, "conclusion": text, "notes": list(notes),
    }


EXPERIMENTS = [
    Experiment(id="tuning.threads", weight=28, run=run_threads, title="http: worker threads",
               needs=["build/bin/http", "wrk"]),
    Experiment(id="tuning.keepalive", weight=15, run=run_keepalive,
               title="Keep-alive on and off", needs=["build/bin/http", "wrk"]),
    Experiment(id="tuning.pipelining", weight=23, run=run_pipelining, title="Pipelining depth",
               needs=["build/bin/kv", "build/bin/http", "build/bench/osnet-load"]),
    Experiment(id="tuning.backlog", weight=12, run=run_backlog,
               title="Listen backlog under a connect burst", needs=["build/bin/echo-epoll"]),
    Experiment(id="tuning.buffers", weight=24, run=run_buffers,
               title="echo-epoll: buffer bound and message size",
               needs=["build/bin/echo-epoll", "build/bin/echo-client", "build/bench/osnet-load"]),
]
