"""Scaling curves: how the echo, http and kv servers (ours and the
references nobody here wrote: nginx, redis-server) hold up as the number
of connections grows from 1 to 10,000, and how much memory each server
spends on a connection that does nothing.

Each of scaling.echo, scaling.http and scaling.kv measures, at every
connection count:

- throughput in a CLOSED loop, with the usual tool of the protocol
  (build/bin/echo-client, wrk, redis-benchmark): every connection sends a
  request, waits for its answer, sends the next. It says how much a server
  can carry, not how long a request waits: a closed-loop client stops
  sending while the server stalls, so the stall hides from its latencies
  (coordinated omission).
- latency in an OPEN loop with build/bench/osnet-load: requests are due at
  a constant total rate, spread over the connections, and each latency is
  counted from the moment its request was due. The rate at a point is half
  the closed-loop throughput of the slowest contender at that connection
  count, so every contender is offered the same load and all of them can
  carry it. echo-blocking (a thread per connection) gets the throughput
  curve only, to keep the experiment within its time. Where osnet-load
  itself wrote more than 2% of the requests due in a point's window over
  1 ms late (it shares the cores with the servers), that point's latencies
  are marked † and the conclusion does not rank the servers by them.

Servers are started once per experiment and measured at every point in
turn, the order of the contenders rotating by one from point to point.
The curves carry one measurement per server and point (no repetitions):
they show the shape; the repeated, alternated medians are in the pairs.
The seconds of each measurement are re-planned before it from the time
left (Planner), so one that overran shrinks those after it.

scaling.idle-memory holds idle connections open from this process (each
one first answered once, so the server has accepted it and set it up) and
reads the resident memory (RSS) of the server's process group with 0,
1,000, 3,000 and 10,000 connections (a (server, count) not begun by
0.9 × its seconds is left out, and the notes say so); memory per
connection is (RSS_N - RSS_0) / N. RSS counts the memory of the process
(heap, thread stacks), not the kernel's socket buffers and structures.

A point that fails (the tool reports errors, a server cannot take 10,000
connections) is left out of its curve and listed with its reason in the
record's notes, never drawn as 0. A curve with no throughput point for a
contender, or with more than half its points missing, fails the
experiment (RuntimeError with the notes).
"""
import errno
import os
import resource
import selectors
import socket
import subprocess
import time

import benchlib
import echo as echobench
from run import Experiment, Skip

HOST = "127.0.0.1"
LEVELS = [1, 10, 100, 1000, 10000]
QUICK_LEVELS = [1, 1000]
IDLE_LEVELS = [0, 1000, 3000, 10000]
QUICK_IDLE_LEVELS = [0, 1000]
LOAD_FRACTION = 0.5  # open-loop rate = this × the slowest contender's closed-loop rate
WANT_NOFILE = 65536  # descriptors wanted for each server and client (10,000 connections and more)
MAX_CLIENTS = 12000  # kv / redis-server --maxclients: above the 10,000 clients of a point
KEYSPACE = 100000
LATE_LIMIT = 0.02  # above this share of late sends, a point's open-loop latency is marked †


# --------------------------------------------------------------------------
# Small helpers


def fmt(x, digits=0):
    """1234.5 -> '1,234' (digits=0) or '1,234.5'."""
    return f"{x:,.{digits}f}"


def nconns(n):
    """'1 connection', '10,000 connections'."""
    return f"{fmt(n)} connection" + ("" if n == 1 else "s")


def fmt_ms(x):
    """Milliseconds with 2 significant-ish decimals: 0.046, 1.23, 45.6."""
    if x < 1:
        return f"{x:.3f}"
    if x < 100:
        return f"{x:.2f}"
    return f"{x:,.0f}"


def raise_own_fd_limit(want=WANT_NOFILE):
    """This process (and the clients it starts) needs a descriptor per
    connection: raise the soft limit to the hard one, and the hard one too
    where that is allowed (root with CAP_SYS_RESOURCE; a container's root
    may lack it). Returns the soft limit reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < want and os.geteuid() == 0:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            pass
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def load_tool(ctx):
    return ctx.build / "bench" / "osnet-load"


def page_root(ctx):
    """benchlib's document root in ctx.tmp, and the size in bytes of the
    page fetched from it (index.html)."""
    root = benchlib.make_root(ctx.tmp)
    return root, (root / "index.html").stat().st_size


class Servers:
    """The contenders of one experiment, each started once through the
    launch contract (and again should one die), stopped at the end."""

    def __init__(self, ctx, templates):
        self.ctx = ctx
        self.templates = templates
        self.launchers = {n: ctx.launcher(t, n) for n, t in templates.items()}
        self.running = {}
        self.starts = {n: 0 for n in templates}

    def get(self, name):
        """The running server `name`, started (again) if need be."""
        s = self.running.get(name)
        if s is not None and s.alive():
            return s
        if s is not None:
            s.stop()
        self.starts[name] += 1
        values = {}
        if "{datadir}" in self.templates[name]:
            datadir = self.ctx.tmp / f"data-{name}-{self.starts[name]}"
            datadir.mkdir()
            values["datadir"] = str(datadir)
        # No more than our own hard limit: raising it may be refused.
        nofile = min(WANT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        s = self.launchers[name].start(rlimit_nofile=nofile, **values)
        self.running[name] = s
        return s

    def stop(self, name):
        s = self.running.pop(name, None)
        if s is not None:
            s.stop()

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)


class Planner:
    """Seconds for each measurement of a curve, so that all of them fit in
    ctx.seconds. A measurement is ("closed" or "open", connections); each
    costs its measured seconds plus an overhead(kind, connections) of its
    own (starting the tool, connecting, closing: redis-benchmark, for one,
    paces its connects at 64 per 50 ms, 8 s for 10,000). Re-planned before
    every measurement from the time actually left, so an overrun shrinks
    the ones after it."""

    def __init__(self, ctx, planned, overhead, lo=0.5, hi=8.0):
        # A little is kept for stopping the servers at the end.
        self.deadline = time.monotonic() + 0.92 * ctx.seconds - 0.5
        self.left = list(planned)  # the measurements still to come
        self.overhead = overhead
        self.lo, self.hi = lo, hi
        self.given = {"closed": [], "open": []}
        self.first = self._share()

    def _share(self):
        avail = self.deadline - time.monotonic() - sum(self.overhead(*m) for m in self.left)
        return max(self.lo, min(self.hi, avail / max(1, len(self.left))))

    def next(self, kind, conns):
        """Seconds for the next measurement."""
        secs = self._share()
        self.skip(kind, conns)
        self.given[kind].append(secs)
        return secs

    def skip(self, kind, conns, k=1):
        """k measurements of this kind at `conns` connections will not be made."""
        for _ in range(k):
            if (kind, conns) in self.left:
                self.left.remove((kind, conns))

    def span(self, kind):
        """'1.2 s' or '0.5–1.4 s': the seconds the measurements were given."""
        if not self.given[kind]:
            return "no time"
        lo, hi = min(self.given[kind]), max(self.given[kind])
        return f"{lo:.1f} s" if hi - lo < 0.1 else f"{lo:.1f}–{hi:.1f} s"


def overheads(base, per_conn):
    """overhead(kind, conns) for Planner: a closed-loop run costs `base`
    plus per_conn seconds a connection (the tool's own); an open-loop run
    of osnet-load 0.6 s (its warm-up included) plus 1.2 s per 10,000
    connections."""
    def overhead(kind, conns):
        if kind == "closed":
            return base + per_conn * conns
        return 0.6 + 1.2 * conns / 10000
    return overhead


# --------------------------------------------------------------------------
# Closed-loop throughput: one function per protocol, each returning
# {"rps": ...} or raising RuntimeError with the reason.


def echo_closed(ctx, port, conns, seconds, est):
    """build/bin/echo-client, 64-byte ping-pong messages, every byte
    verified; as many messages per connection as fill about `seconds` at
    the estimated rate `est` (at least 5 each). Its rate counts from its
    start: connecting is inside the measured time."""
    per_conn = max(5, int(est * seconds / conns))
    # echobench.load runs the echo-client of OSNET_BUILD (run_echo checked
    # that it is ctx.bin's); its --timeout ends the whole run.
    r = echobench.load(port, conns, per_conn, 64, int(seconds * 10 + 30))
    if "error" in r:
        raise RuntimeError("echo-client: " + r["error"])
    if not r.get("ok") or r.get("errors"):
        raise RuntimeError(f"echo-client reported {r.get('errors')} errors")
    return {"rps": r["msgs_per_s"], "tool_p99_ms": r["latency_us"]["p99"] / 1000}


def http_closed(ctx, port, conns, seconds, est):
    """wrk, keep-alive, GET /index.html, min(2, conns) threads; a run with
    any socket error (connect, read, write, timeout) is not a result."""
    secs = max(1, round(seconds))  # wrk takes whole seconds only
    r = ctx.wrk(port, "/index.html", secs, conns, threads=min(2, conns), allow_errors=True)
    if r["errors"]:
        raise RuntimeError(f"wrk: {r['errors']} socket errors (connect/read/write/timeout)")
    return {"rps": r["rps"], "tool_p99_ms": r["p99_ms"]}


def resp_closed(ctx, port, conns, seconds, est):
    """redis-benchmark -t get, random keys among 100,000 (never set: every
    answer is a nil bulk string, the same work for both servers), no
    pipelining; -n sized to last about `seconds` at the estimated rate (at
    least 2 requests per connection). It connects every client before it
    starts its clock (64 every 50 ms: 8 s for 10,000)."""
    n = max(2 * conns, int(est * seconds))
    cmd = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", str(conns), "-n", str(n),
           "-r", str(KEYSPACE), "-t", "get", "--csv"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 10 + 60)
    for line in p.stdout.splitlines():
        f = [x.strip('"') for x in line.split(",")]
        if len(f) == 8 and f[0] == "GET" and p.returncode == 0:
            return {"rps": float(f[1]), "tool_p99_ms": float(f[6])}
    out = (p.stderr.strip() or p.stdout.strip())[-300:].replace("\n", " | ")
    raise RuntimeError(f"redis-benchmark exited {p.returncode} without a GET figure: {out}")


# --------------------------------------------------------------------------
# Open-loop latency through osnet-load


def open_loop(ctx, proto_args, port, conns, rate, seconds):
    """osnet-load at a constant `rate` over `conns` connections: its JSON.
    Raises RuntimeError when it could not measure or saw any error (an
    erroring run is not a result)."""
    warmup = min(0.5, max(0.2, seconds / 4))
    args = [*proto_args, "--host", HOST, "--port", port, "--connections", conns,
            "--rate", f"{rate:.0f}", "--duration", f"{seconds:.2f}", "--warmup", f"{warmup:.2f}",
            "--timeout", "10"]
    r = ctx.load(args, timeout=seconds * 5 + 60)
    bad = (r.get("errors") or 0) + (r.get("connect_errors") or 0)
    if bad:
        raise RuntimeError(f"osnet-load: {r.get('errors')} errors, "
                           f"{r.get('connect_errors')} connect errors")
    return r


# --------------------------------------------------------------------------
# The three curves share one plan: at each connection count, closed-loop
# throughput of every contender, then open-loop latency of the latency
# contenders at LOAD_FRACTION of the slowest one's throughput.


def scaling_curve(ctx, spec):
    raise_own_fd_limit()
    levels = QUICK_LEVELS if ctx.quick else LEVELS
    names = list(spec["templates"])
    have_load = load_tool(ctx).exists()
    lat_names = spec["latency"] if have_load else []
    planned = [(k, c) for c in levels
               for k in ["closed"] * len(names) + ["open"] * len(lat_names)]
    plan = Planner(ctx, planned, overheads(*spec["overhead"]))
    ctx.progress(f"{len(levels)} connection counts × {len(names)} servers, about "
                 f"{plan.first:.1f}s per measurement")
    notes = []
    if not have_load:
        notes.append(f"{load_tool(ctx).relative_to(ctx.root)} is not built: no latency panel "
                     f"(make build/bench/osnet-load)")
    tput = {n: {} for n in names}       # name -> {conns: result}
    lat = {n: {} for n in lat_names}    # name -> {conns: osnet-load JSON}
    rates = {}                          # conns -> open-loop rate
    est = {n: spec["first_estimate"] for n in names}
    servers = Servers(ctx, spec["templates"])
    try:
        for i, conns in enumerate(levels):
            order = names[i % len(names):] + names[:i % len(names)]
            for n in order:
                secs = plan.next("closed", conns)
                t0 = time.monotonic()
                try:
                    s = servers.get(n)
                    r = spec["closed"](ctx, s.port, conns, secs, est[n])
                    if not s.alive():
                        raise RuntimeError(f"{n} died during the run")
                except Exception as e:  # the point is left out, the curve goes on
                    notes.append(f"{n}, {nconns(conns)}, closed loop: left out: "
                                 f"{one_line(e)}")
                    ctx.progress(f"{n} @ {conns}: {one_line(e)}")
                    continue
                tput[n][conns] = r
                # The next run is sized from a cautious estimate: rates often
                # fall as connections grow, and a tool sized by request count
                # (echo-client, redis-benchmark) would overrun its seconds;
                # one that ends early leaves its time to the next.
                est[n] = 0.6 * r["rps"]
                ctx.progress(f"{n} @ {nconns(conns)}: {fmt(r['rps'])} {spec['unit']} "
                             f"({time.monotonic() - t0:.1f}s for {secs:.1f}s planned)")
            got = [tput[n][conns]["rps"] for n in names if conns in tput[n]]
            if not lat_names:
                continue
            if not got:
                plan.skip("open", conns, len(lat_names))
                notes.append(f"{nconns(conns)}: no latency (no contender measured "
                             f"a closed-loop rate to derive the open-loop rate from)")
                continue
            rate = max(1.0, LOAD_FRACTION * min(got))
            rates[conns] = rate
            if len(got) < len(names):
                notes.append(f"{nconns(conns)}: open-loop rate from the contenders measured "
                             f"there only ({', '.join(n for n in names if conns in tput[n])})")
            lorder = lat_names[i % len(lat_names):] + lat_names[:i % len(lat_names)]
            for n in lorder:
                secs = plan.next("open", conns)
                t0 = time.monotonic()
                try:
                    s = servers.get(n)
                    r = open_loop(ctx, spec["load_args"], s.port, conns, rate, secs)
                    if not s.alive():
                        raise RuntimeError(f"{n} died during the run")
                except Exception as e:
                    notes.append(f"{n}, {nconns(conns)}, open loop at "
                                 f"{fmt(rate)}/s: left out: {one_line(e)}")
                    ctx.progress(f"{n} @ {conns} open loop: {one_line(e)}")
                    continue
                lat[n][conns] = r
                lm = r["latency_ms"]
                ctx.progress(f"{n} @ {nconns(conns)}, {fmt(rate)}/s open loop: "
                             f"p50 {fmt_ms(lm['p50'])} ms, p99 {fmt_ms(lm['p99'])} ms "
                             f"({time.monotonic() - t0:.1f}s for {secs:.1f}s planned)")
                if r.get("rps") and r["rps"] < 0.9 * rate:
                    notes.append(f"{n}, {nconns(conns)}: completed {fmt(r['rps'])}/s "
                                 f"of the {fmt(rate)}/s offered: it fell behind, and its "
                                 f"latencies include the queue")
    finally:
        servers.stop_all()
    late = [late_share(r) for n in lat for r in lat[n].values()]
    if late and max(late) > LATE_LIMIT:
        notes.append(f"osnet-load sent up to {max(late):.0%} of the requests due in a point's "
                     f"measured window more than 1 ms after they were due (the load generator, "
                     f"sharing the cores, fell behind its schedule). Latency counts from the "
                     f"due time, so that lateness is in the figures: it can only make them "
                     f"worse, never hide a stall; but where over {LATE_LIMIT:.0%} of a point's "
                     f"requests were late (marked † in the table) its latencies measure the "
                     f"client as much as the server and do not rank the servers.")
    restarts = [f"{n} ({k - 1}×)" for n, k in servers.starts.items() if k > 1]
    if restarts:
        notes.append("restarted after dying: " + ", ".join(restarts))
    # A curve with a contender missing, or with most of its points, is a
    # failed run, not a result with gaps.
    empty = [n for n in names if not tput[n]]
    got_points = sum(len(v) for v in tput.values()) + sum(len(v) for v in lat.values())
    if empty or got_points * 2 < len(planned):
        why = (f"no throughput point for {', '.join(empty)}" if empty else
               f"only {got_points} of {len(planned)} planned points measured")
        raise RuntimeError(f"{spec['id']}: {why}; notes: " + " / ".join(notes))
    return curve_records(ctx, spec, levels, tput, lat, rates, notes, plan)


def late_share(r):
    """The share of the requests due in an open-loop run's measured window
    that osnet-load sent more than 1 ms after they were due."""
    window = r.get("window_sent")
    if window is None:  # an osnet-load older than "window_sent": due in the window
        window = (r.get("rate") or 0) * (r.get("duration_s") or 0)
    return (r.get("late_sends") or 0) / window if window else 0.0


def late_mark(r):
    """'†' when the load generator was late for too many of r's requests."""
    return "†" if late_share(r) > LATE_LIMIT else ""


def one_line(e):
    text = str(e).strip().replace("\n", " | ")
    return text if len(text) < 400 else text[:400] + "..."


def curve_records(ctx, spec, levels, tput, lat, rates, notes, plan):
    names = list(spec["templates"])
    panels = [{"y": f"{spec['unit']} (closed loop, {spec['tool']})", "ylog": False,
               "series": [{"name": n, "points": [[c, tput[n][c]["rps"]] for c in levels
                                                  if c in tput[n]]} for n in names]}]
    if lat:
        series = []
        for n in lat:
            for q in ("p50", "p99"):
                series.append({"name": f"{n} {q}",
                               "points": [[c, lat[n][c]["latency_ms"][q]] for c in levels
                                          if c in lat[n]]})
        panels.append({"y": "latency ms (open loop, constant rate)", "ylog": True,
                       "series": series})
    lat_what = (f" Latency: osnet-load in an open loop at a constant rate of "
                f"{LOAD_FRACTION:.0%} of the slowest contender's closed-loop throughput at that "
                f"connection count (the same rate for every server at a point), latency counted "
                f"from each request's due time (free of coordinated omission), "
                f"{plan.span('open')} measured after a short warm-up, for "
                f"{', '.join(lat)}{spec['latency_why']}." if lat else "")
    what = (f"{spec['what']} Connections {', '.join(fmt(c) for c in levels)}; one measurement "
            f"per server and point (no repetitions: the curve shows the shape; the pairs carry "
            f"repeated medians); servers started once, the order rotating from point to "
            f"point. Throughput: {spec['tool']}, closed loop, {plan.span('closed')} a point."
            + lat_what)
    curve = {"kind": "curve", "id": spec["id"], "title": spec["title"], "what": what,
             "x": "connections", "xlog": True, "panels": panels, "notes": notes}
    rows = []
    for c in levels:
        for n in names:
            t = tput[n].get(c)
            lm = lat.get(n, {}).get(c)
            if t is None and lm is None:
                continue
            rows.append([fmt(c), n,
                         fmt(t["rps"]) if t else "failed",
                         fmt_ms(t["tool_p99_ms"]) if t else "-",
                         fmt(rates[c]) if lm else "-",
                         fmt(lm["rps"]) if lm else "-",
                         fmt_ms(lm["latency_ms"]["p50"]) + late_mark(lm) if lm else "-",
                         fmt_ms(lm["latency_ms"]["p99"]) + late_mark(lm) if lm else "-",
                         f"{late_share(lm):.1%}" + late_mark(lm) if lm else "-"])
    table = {"kind": "table", "id": spec["id"] + "-table",
             "title": spec["title"] + ": the figures", "what": what,
             "columns": ["connections", "server", f"{spec['unit']} closed loop",
                         f"closed-loop p99 ms ({spec['tool']})", "open-loop rate /s",
                         "open-loop achieved /s", "open-loop p50 ms", "open-loop p99 ms",
                         "sent >1 ms late (share of the window)"],
             "rows": rows, "conclusion": conclusion(spec, levels, tput, lat, rates),
             # The curve's notes are printed with it; these are the table's own.
             "notes": ["The closed-loop p99 is what the throughput tool reports; "
                       "it hides stalls (coordinated omission): the open-loop "
                       "columns are the latencies to read."]}
    if any(late_mark(r) for n in lat for r in lat[n].values()):
        table["notes"].append(
            f"† osnet-load sent more than {LATE_LIMIT:.0%} of this point's requests over "
            f"1 ms after they were due: the load generator fell behind its schedule, so "
            f"the open-loop latencies measure the client as much as the server.")
    return [curve, table]


def conclusion(spec, levels, tput, lat, rates):
    """Sentences computed from the figures: each server's peak, the ratios
    at the highest connection count all reached, the open-loop p99 there."""
    names = list(spec["templates"])
    unit = spec["unit"]
    parts = []
    peaks = []
    for n in names:
        if tput[n]:
            c, r = max(tput[n].items(), key=lambda kv: kv[1]["rps"])
            top = max(tput[n])
            kept = tput[n][top]["rps"] / r["rps"]
            peaks.append(f"{n} peaked at {fmt(r['rps'])} {unit} ({nconns(c)})"
                         + (f" and kept {kept:.0%} of it at {fmt(top)}" if top != c else ""))
        else:
            peaks.append(f"{n} measured at no point")
    parts.append("; ".join(peaks) + ".")
    base = spec["baseline"]
    common = [c for c in levels if all(c in tput[n] for n in names)]
    if common and len(names) > 1:
        c = common[-1]
        ratios = [f"{n} {tput[n][c]['rps'] / tput[base][c]['rps']:.2f}×" for n in names
                  if n != base]
        parts.append(f"At {nconns(c)}, throughput relative to {base}: "
                     + ", ".join(ratios) + ".")
    missing = [n for n in names if tput[n] and max(tput[n]) < levels[-1]]
    if missing:
        parts.append(f"No throughput figure at {fmt(levels[-1])} connections for "
                     f"{', '.join(missing)} (see the notes).")
    lcommon = [c for c in levels if lat and all(c in lat[n] for n in lat)]

    def p99s(c):
        return ", ".join(f"{n} {fmt_ms(lat[n][c]['latency_ms']['p99'])} ms" for n in lat)

    def late_at(c):
        return max(late_share(lat[n][c]) for n in lat)

    if lcommon:
        c = lcommon[-1]
        if late_at(c) <= LATE_LIMIT:
            parts.append(f"Open-loop p99 at {nconns(c)} and {fmt(rates[c])}/s: {p99s(c)}.")
        else:
            parts.append(f"Open-loop p99 at {nconns(c)} and {fmt(rates[c])}/s: {p99s(c)}; but "
                         f"the load generator was late for up to {late_at(c):.0%} of the "
                         f"requests there, so these p99s measure the client as much as the "
                         f"server and do not rank the servers.")
            kept = [x for x in lcommon if late_at(x) <= LATE_LIMIT]
            if kept:
                x = kept[-1]
                parts.append(f"At {nconns(x)} and {fmt(rates[x])}/s, the most connections "
                             f"at which it kept to its schedule, the open-loop p99 was "
                             f"{p99s(x)}.")
    return " ".join(parts)


# --------------------------------------------------------------------------
# The three scaling experiments


def run_echo(ctx):
    b = ctx.bin
    if echobench.CLIENT.resolve() != (b / "echo-client").resolve():
        raise Skip(f"bench/echo.py uses {echobench.CLIENT}, run.py {b}: set OSNET_BUILD")
    spec = {
        "id": "scaling.echo", "title": "echo: throughput and latency vs connections",
        "templates": {n: f"{b}/{n} --host {{host}} --port {{port}}"
                      for n in ("echo-epoll", "echo-uring", "echo-blocking")},
        "latency": ["echo-epoll", "echo-uring"],
        "latency_why": " (echo-blocking, one thread per connection, gets the throughput "
                       "curve only, to keep within the time budget)",
        "baseline": "echo-epoll", "unit": "messages/s", "tool": "echo-client",
        "what": "TCP echo, 64-byte messages, every byte verified, client and servers on one "
                "machine over loopback. Throughput: build/bin/echo-client ping-pong (its "
                "rate counts from its start, connecting included).",
        "closed": echo_closed, "first_estimate": 15000, "overhead": (0.3, 2e-4),
        "load_args": ["--proto", "echo", "--size", "64"],
    }
    return scaling_curve(ctx, spec)


def run_http(ctx):
    root, page = page_root(ctx)
    spec = {
        "id": "scaling.http", "title": "http: throughput and latency vs connections",
        "templates": {
            "http": f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} "
                    f"--threads 2 --idle-timeout 60",
            "nginx": f"{ctx.tools}/nginx-static --host {{host}} --port {{port}} --root {root} "
                     f"--threads 2 --idle-timeout 60 --error-log-level warn",
        },
        "latency": ["http", "nginx"], "latency_why": "",
        "baseline": "nginx", "unit": "requests/s", "tool": "wrk",
        "what": f"GET /index.html ({page} bytes), HTTP/1.1 keep-alive; our http --threads 2 "
                "and nginx through tools/nginx-static with 2 worker processes (worker_connections "
                "8192 each); client and servers on one machine over loopback. Throughput: wrk "
                "with min(2, connections) threads, whole seconds.",
        "closed": http_closed, "first_estimate": 20000, "overhead": (0.5, 1.5e-4),
        "load_args": ["--proto", "http", "--path", "/index.html"],
    }
    return scaling_curve(ctx, spec)


def run_kv(ctx):
    common = f"--host {{host}} --port {{port}} --dir {{datadir}} --maxclients {MAX_CLIENTS}"
    spec = {
        "id": "scaling.kv", "title": "kv: throughput and latency vs connections",
        "templates": {"kv": f"{ctx.bin}/kv {common}",
                      "redis-server": f"{ctx.tools}/redis-kv {common}"},
        "latency": ["kv", "redis-server"], "latency_why": "",
        "baseline": "redis-server", "unit": "requests/s", "tool": "redis-benchmark",
        "what": f"GET of random keys among {fmt(KEYSPACE)} on an empty store (every answer a "
                f"nil), no pipelining, no append-only file; kv and redis-server (through "
                f"tools/redis-kv) with --maxclients {fmt(MAX_CLIENTS)}; client and servers on "
                f"one machine over loopback. Throughput: redis-benchmark -t get (its clock "
                f"starts once every client is connected).",
        "closed": resp_closed, "first_estimate": 15000, "overhead": (0.3, 9e-4),
        "load_args": ["--proto", "resp", "--op", "get", "--keyspace", str(KEYSPACE)],
    }
    return scaling_curve(ctx, spec)


# --------------------------------------------------------------------------
# Memory per idle connection


ECHO_PROBE = b"osnet idle probe"  # 16 bytes: echoed back whole


def echo_done(buf):
    """True when the echo is complete, None while incomplete; raises on a
    wrong byte."""
    if not ECHO_PROBE.startswith(bytes(buf[:len(ECHO_PROBE)])):
        raise RuntimeError(f"echo came back wrong: {bytes(buf[:32])!r}")
    return True if len(buf) >= len(ECHO_PROBE) else None


def http_done(buf):
    """True once a whole 200 response (head and Content-Length body) is in."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).decode("latin-1")
    status = head.split("\r\n", 1)[0]
    if " 200 " not in status + " ":
        raise RuntimeError(f"http answered {status!r}")
    length = 0
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    return True if len(buf) >= end + 4 + length else None


def resp_done(buf):
    """True once +PONG arrived; raises on anything else (e.g. -ERR max
    number of clients reached)."""
    want = b"+PONG\r\n"
    if not want.startswith(bytes(buf[:len(want)])):
        raise RuntimeError(f"answered {bytes(buf[:80])!r}")
    return True if len(buf) >= len(want) else None


PROBES = {
    "echo": (ECHO_PROBE, echo_done),
    "http": (b"GET /index.html HTTP/1.1\r\nHost: bench\r\n\r\n", http_done),
    "resp": (b"*1\r\n$4\r\nPING\r\n", resp_done),
}


class IdleConnections:
    """Connections to one server held open by this process. add(n) opens n
    more, each sending one request (an echo, a GET, a PING) and reading its
    whole answer: when add() returns, the server has accepted every one and
    answered on it, so whatever it keeps per connection is allocated.
    Then they sit idle until close()."""

    IN_FLIGHT = 200  # connects and first answers pending at once (spares the backlog)

    def __init__(self, port, proto):
        self.port = port
        self.probe, self.done = PROBES[proto]
        self.socks = []

    def add(self, n, timeout):
        sel = selectors.DefaultSelector()
        deadline = time.monotonic() + timeout
        started = finished = 0
        pending = {}  # socket -> bytearray of the answer so far, or None while connecting
        try:
            while finished < n:
                while started < n and len(pending) < self.IN_FLIGHT:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setblocking(False)
                    err = s.connect_ex((HOST, self.port))
                    if err not in (0, errno.EINPROGRESS):
                        s.close()
                        raise RuntimeError(f"connect {started + 1}: {os.strerror(err)}")
                    pending[s] = None
                    sel.register(s, selectors.EVENT_WRITE)
                    started += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"timeout after {timeout:.0f} s: {finished} of {n} "
                                       f"connections answered")
                for key, _ in sel.select(min(left, 1.0)):
                    s = key.fileobj
                    if pending[s] is None:
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            raise RuntimeError(f"connect: {os.strerror(err)} after "
                                               f"{len(self.socks) + finished} connections")
                        s.sendall(self.probe)  # small: fits the socket buffer
                        pending[s] = bytearray()
                        sel.modify(s, selectors.EVENT_READ)
                        continue
                    try:
                        data = s.recv(65536)
                    except OSError as e:
                        raise RuntimeError(f"after {len(self.socks) + finished} connections: "
                                           f"{e}") from None
                    if not data:
                        raise RuntimeError(f"the server closed connection "
                                           f"{len(self.socks) + finished + 1} before answering")
                    pending[s] += data
                    if self.done(pending[s]):
                        sel.unregister(s)
                        del pending[s]
                        self.socks.append(s)
                        finished += 1
        finally:
            for s in pending:
                s.close()
            sel.close()

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


def settled_rss(ctx, pid, tries=40):
    """RSS of the process group once two readings 50 ms apart agree (a
    master's workers may still be starting, or touching their memory, just
    after the answer that says the server is ready); the last reading
    after `tries` if they never do."""
    last = ctx.rss_kib(pid)
    for _ in range(tries):
        time.sleep(0.05)
        now = ctx.rss_kib(pid)
        if now == last:
            return now
        last = now
    return last


def run_idle(ctx):
    start = time.monotonic()
    # Past t_end no further (server, level) is begun; past hard_end a
    # connection step that has not finished gives up.
    t_end, hard_end = start + 0.9 * ctx.seconds, start + 1.2 * ctx.seconds
    raise_own_fd_limit()
    levels = QUICK_IDLE_LEVELS if ctx.quick else IDLE_LEVELS
    root, page = page_root(ctx)
    b, t = ctx.bin, ctx.tools
    kvargs = f"--host {{host}} --port {{port}} --dir {{datadir}} --maxclients {MAX_CLIENTS}"
    contenders = [  # name, template, probe; each of ours next to its reference
        ("echo-blocking", f"{b}/echo-blocking --host {{host}} --port {{port}}", "echo"),
        ("echo-epoll", f"{b}/echo-epoll --host {{host}} --port {{port}}", "echo"),
        ("echo-uring", f"{b}/echo-uring --host {{host}} --port {{port}}", "echo"),
        ("http", f"{b}/http --host {{host}} --port {{port}} --root {root} --threads 2 "
                 f"--idle-timeout 120", "http"),
        ("nginx", f"{t}/nginx-static --host {{host}} --port {{port}} --root {root} --threads 2 "
                  f"--idle-timeout 120 --error-log-level warn", "http"),
        ("kv", f"{b}/kv {kvargs}", "resp"),
        ("redis-server", f"{t}/redis-kv {kvargs}", "resp"),
    ]
    for name, tmpl, _ in contenders:
        exe = tmpl.split()[0]
        if not os.path.exists(exe):
            raise Skip(f"{exe} is missing")
    rss = {}      # name -> {connections: KiB}
    notes = []
    late = []     # (name, N) not measured for want of time
    servers = Servers(ctx, {name: tmpl for name, tmpl, _ in contenders})
    per_server = ctx.seconds / len(contenders)
    for name, _, proto in contenders:
        t0 = time.monotonic()
        rss[name] = {}
        if t0 > t_end:
            late += [(name, n) for n in levels]
            continue
        s = servers.get(name)
        held = IdleConnections(s.port, proto)
        try:
            for n in levels:
                if time.monotonic() > t_end:
                    late.append((name, n))
                    continue
                try:
                    if n > len(held.socks):
                        step = max(20.0, 4 * per_server)
                        step = min(step, max(5.0, hard_end - time.monotonic()))
                        held.add(n - len(held.socks), timeout=step)
                    # One more request on a fresh connection, answered after
                    # the server has dealt with every earlier one (at 0: the
                    # server is up and serving, all its processes started).
                    probe = IdleConnections(s.port, proto)
                    probe.add(1, timeout=20)
                    probe.close()
                except Exception as e:
                    notes.append(f"{name}: {fmt(n)} idle connections: left out: "
                                 f"{one_line(e)}")
                    ctx.progress(f"{name} @ {n} idle: {one_line(e)}")
                    break
                if not s.alive():
                    notes.append(f"{name} died holding {fmt(len(held.socks))} connections")
                    break
                rss[name][n] = settled_rss(ctx, s.pid)
            ctx.progress(f"{name}: RSS " + ", ".join(f"{fmt(k)} conns {fmt(v)} KiB"
                                                    for k, v in rss[name].items())
                         + f" ({time.monotonic() - t0:.1f}s)")
        finally:
            held.close()
            servers.stop(name)
    servers.stop_all()
    if late:
        skipped = {}  # name -> [N, ...]
        for n, c in late:
            skipped.setdefault(n, []).append(fmt(c))
        notes.append(f"not measured: out of time (the experiment's {ctx.seconds:.0f} s were "
                     f"spent): " + "; ".join(f"{n} at {', '.join(cs)} connections"
                                             for n, cs in skipped.items()))
    return idle_records(contenders, levels, rss, notes, page, late)


def idle_records(contenders, levels, rss, notes, page, late):
    names = [c[0] for c in contenders]
    what = ("Resident memory (VmRSS of every process in the server's process group, KiB) "
            "of each server once started and serving (one request answered), then holding "
            + ", ".join(fmt(n) for n in levels if n) + " idle connections, opened by the "
            "bench in steps on one server instance; each connection is answered once (an "
            f"echo, a GET of a {page}-byte page, a PING) before it idles, and the memory is "
            "read after a request on a fresh connection has been answered too and two readings "
            "50 ms apart agree. One measurement per "
            "server. http --threads 2, nginx 2 workers (master and workers summed), "
            f"kv and redis-server --maxclients {fmt(MAX_CLIENTS)}. RSS leaves out the kernel's "
            "memory for the sockets (buffers, structures, a thread's kernel stack).")
    curve = {"kind": "curve", "id": "scaling.idle-memory",
             "title": "Memory vs idle connections", "what": what,
             "x": "idle connections", "xlog": False,
             "panels": [{"y": "RSS KiB", "ylog": False,
                         "series": [{"name": n, "points": [[c, v] for c, v in rss[n].items()]}
                                    for n in names]}],
             "notes": notes}
    top = [n for n in levels if n]
    rows, per = [], {}
    for n in names:
        r = rss[n]
        if 0 not in r:
            continue
        row = [n, fmt(r[0])]
        for c in top:
            row.append(fmt(r[c]) if c in r else
                       "out of time" if (n, c) in late else "failed")
        for c in top:
            if c in r:
                k = (r[c] - r[0]) / c
                per.setdefault(n, {})[c] = k
                row.append(f"{k:.2f}")
            else:
                row.append("-")
        rows.append(row)
    columns = (["server", "RSS, no connections, KiB"]
               + [f"RSS, {fmt(c)} idle, KiB" for c in top]
               + [f"KiB per connection ({fmt(c)})" for c in top])
    table = {"kind": "table", "id": "scaling.idle-memory-table",
             "title": "Memory per idle connection", "what": what, "columns": columns,
             "rows": rows, "conclusion": idle_conclusion(per, top)}
    return [curve, table]


def idle_conclusion(per, top):
    """Which server spent least and most per connection at the largest
    count every server reached, and the spread."""
    if not per:
        return "No server was measured with idle connections."
    reached = [c for c in top if all(c in p for p in per.values())]
    if not reached:
        return "No connection count was reached by every server (see the notes)."
    c = reached[-1]
    ranked = sorted(per, key=lambda n: per[n][c])
    lo, hi = ranked[0], ranked[-1]
    text = (f"At {fmt(c)} idle connections, from least to most resident memory per "
            f"connection: " + ", ".join(f"{n} {per[n][c]:.2f} KiB" for n in ranked) + ".")
    if per[lo][c] > 0.05:
        text += f" {hi} spent {per[hi][c] / per[lo][c]:.0f}× what {lo} did."
    return text


EXPERIMENTS = [
    Experiment(id="scaling.echo", weight=55.0, run=run_echo,
               title="echo servers: throughput and latency vs connections",
               needs=["build/bin/echo-epoll", "build/bin/echo-uring", "build/bin/echo-blocking",
                      "build/bin/echo-client"]),
    Experiment(id="scaling.http", weight=45.0, run=run_http,
               title="http vs nginx: throughput and latency vs connections",
               needs=["build/bin/http", "nginx", "wrk"]),
    Experiment(id="scaling.kv", weight=50.0, run=run_kv,
               title="kv vs redis-server: throughput and latency vs connections",
               needs=["build/bin/kv", "redis-server", "redis-benchmark"]),
    Experiment(id="scaling.idle-memory", weight=20.0, run=run_idle,
               title="Memory per idle connection",
               needs=["build/bin/echo-blocking", "build/bin/echo-epoll", "build/bin/echo-uring",
                      "build/bin/http", "build/bin/kv", "nginx", "redis-server"]),
]
