"""The side-by-side pairs of `make bench` (bench/run.py): each of our programs
against the program it imitates, or two of ours that differ in one thing,
measured in the same run.

Every pair runs its contenders through ctx.alternate: ctx.reps rounds, each
round calling every contender once, the order rotating by one per round, so
that a noisy neighbour slows all of them alike. A server contender is started
fresh for its turn and stopped after it; a program contender (grep, the
allocator driver) is a fresh process per run. What each pair measures:

  pairs.http-nginx      build/bin/http --threads 1 against nginx
                        (tools/nginx-static, one worker): wrk, 64 keep-alive
                        connections, GET of a small file. req/s, wrk's p99.
  pairs.proxy-haproxy   build/bin/proxy against HAProxy (tools/haproxy-proxy,
                        nbthread 1) in front of one build/bin/http origin:
                        wrk as above, 1 wrk thread. req/s, wrk's p99.
  pairs.lb-haproxy      build/bin/lb against HAProxy over two origins,
                        round-robin: the same.
  pairs.kv-redis        build/bin/kv against redis-server (tools/redis-kv):
                        redis-benchmark -t set,get -c 50, no pipelining,
                        random keys. GET req/s; SET req/s and GET p99 beside.
  pairs.grep-gnu        build/bin/mgrep against GNU grep, -F of a rare word
                        in a generated text file read from the page cache,
                        output through a pipe. MB/s of file searched.
  pairs.mempool-malloc  the free-list pool of impl/mempool against glibc's
                        malloc and free (build/bench/mempool_bench): 64-byte
                        blocks, random churn. ns per alloc + free pair;
                        the LIFO pattern beside.
  pairs.echo-servers    echo-uring, echo-epoll and echo-blocking under
                        build/bin/echo-client: 50 connections ping-pong,
                        64-byte messages, every byte checked. messages/s.
  pairs.items-storage   items --storage memory against --storage sqlite.
  pairs.items-http      items (our own HTTP) against items-mhd
                        (libmicrohttpd), memory storage. Both items pairs:
                        wrk with bench/items-mix.lua, 90% reads (GET one
                        item, a page of the list) and 10% POSTs.

Sizes follow ctx.seconds: each measurement gets about its share of the
experiment's time (ctx.point_seconds), so a larger budget buys longer runs,
not more of them. A run that saw any error (a non-2xx answer, a socket error,
a wrong echo, redis-benchmark failing, a server dying or not stopping
cleanly, grep's output differing from mgrep's) raises RunFailed: run.py
records the experiment as failed with the reason, no figure of it is kept,
and make bench exits 1 once the report is written.
The functions that drive the tools come from the older bench scripts
(benchlib, proxy, kv, items, toolbox, mempool, echo), imported as they are.
"""
import pathlib
import shutil
import signal
import statistics
import subprocess
import time
import types

import benchlib
import echo as echobench
import items as itemsbench
import kv as kvbench
import mempool as mempoolbench
import proxy as proxybench
import toolbox
from osnet_harness.launch import LaunchError
from run import Experiment, Skip

HTTP_CONNS = 64
KV_CONNS = 50
ECHO_CONNS = 50
ECHO_SIZE = 64
MEMPOOL_N = 100_000
MEMPOOL_SIZE = 64
MEMPOOL_SEED = 9
ITEMS_MIX = dict((m[0], m) for m in itemsbench.MIXES)["90/10"]
# The latency columns name the tool that measured them: these are closed-loop
# figures, which leave out the requests a stall kept from being sent.
WRK_P99 = "wrk p99 ms (closed loop)"
# What a contender may exit with on SIGTERM besides status 0, by design:
# tools/haproxy-proxy execs `haproxy -db`, which dies by the signal itself
# (Popen's -15; specs/proxy.md PROXY-041 accepts that). nginx's master (from
# tools/nginx-static) and every program of ours exit 0.
STOP_STATUS = {"haproxy": {-signal.SIGTERM}}


class RunFailed(RuntimeError):
    """A measurement saw errors: it is not a result, and the experiment ends
    with the reason (recorded by run.py; no figure of it is kept)."""


def no_errors(fn):
    """Wraps an experiment's run(ctx) so that a failure of the tools or the
    servers (the RuntimeErrors the bench helpers raise, a server that never
    became ready, a tool that hung) ends it as RunFailed with the reason."""
    def run(ctx):
        try:
            return fn(ctx)
        except (RuntimeError, LaunchError, subprocess.TimeoutExpired) as e:
            raise RunFailed(f"{type(e).__name__}: {e}") from e
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def same_build(ctx):
    """The imported bench scripts find the programs through OSNET_BUILD, as
    run.py does; refuse to mix two builds."""
    for mod_bin in (itemsbench.BIN, proxybench.BIN, echobench.BIN, toolbox.BIN,
                    mempoolbench.BUILD / "bin"):
        if pathlib.Path(mod_bin).resolve() != pathlib.Path(ctx.bin).resolve():
            raise Skip(f"the bench scripts use {mod_bin}, run.py {ctx.bin}: set OSNET_BUILD")


def pair_record(pid, title, what, metric, better, ours, theirs, got, key, extras=(),
                headline=None, notes=()):
    """A "pair" record from ctx.alternate's {name: [result dict, ...]}:
    values from result[key], extras from (label, key) pairs."""
    rec = {"kind": "pair", "id": pid, "title": title, "what": what}
    if headline:
        rec["headline"] = headline
    rec.update(metric=metric, better=better, ours=ours, theirs=theirs, contenders=list(got),
               values={n: [tidy(r[key]) for r in rs] for n, rs in got.items()})
    if extras:
        rec["extra"] = {label: {n: [tidy(r[k]) for r in rs] for n, rs in got.items()}
                        for label, k in extras}
    if notes:
        rec["notes"] = list(notes)
    return rec


def stop_checked(s, name, timeout=None):
    """Stops server s with SIGTERM and raises RunFailed unless it exited
    by itself (within the timeout) with status 0 or one STOP_STATUS allows
    for `name`, leaving no process behind: a server that crashes on the way
    out or leaks a child is not a result either."""
    rc, clean, left = s.stop(timeout=timeout)
    if (rc != 0 and rc not in STOP_STATUS.get(name, ())) or not clean or left:
        raise RunFailed(f"{name} did not stop cleanly on SIGTERM: status {rc}"
                        f"{'' if clean else ', killed after the timeout'}"
                        f"{', left ' + '; '.join(left) if left else ''}\n{s.stderr_block()}")


def tidy(x):
    """A figure rounded to what it can mean: 0.1 above 100, else 0.001."""
    return round(x, 1) if abs(x) >= 100 else round(x, 3)


def seconds_left(ctx, t0, n_points, overhead):
    """ctx.point_seconds for what is left of the share after the setup
    that began at t0 (generating a file, a calibration run)."""
    left = ctx.seconds - (time.monotonic() - t0)
    return max(0.5, min(10.0, left / (n_points * ctx.reps) - overhead))


def whole_seconds(ctx, ps, quick_cap=1):
    """wrk's -d for a point of ps seconds: whole seconds (wrk reads no
    fraction), at least 1; at most quick_cap under --quick."""
    s = max(1, int(ps + 0.5))
    return min(s, quick_cap) if ctx.quick else s


def fmt_range(xs, fmt="{:,.0f}"):
    return fmt.format(min(xs)) + ("" if min(xs) == max(xs) else "–" + fmt.format(max(xs)))


# ---- http, proxy, lb: wrk against a fresh server ------------------------------------------

def wrk_turn(ctx, launcher, name, path, seconds, threads):
    """A contender for ctx.alternate: a fresh server of `launcher`, one wrk
    run (ctx.wrk raises on a non-2xx answer or a socket error), a check
    that the server survived, a clean stop (stop_checked)."""
    def turn():
        s = launcher.start()
        try:
            ctx.progress(f"{name}: wrk {seconds} s, {HTTP_CONNS} connections")
            w = ctx.wrk(s.port, path, seconds, HTTP_CONNS, threads=threads)
            if not s.alive():
                raise RunFailed(f"{name} died under wrk\n{s.stderr_block()}")
        except BaseException:
            s.stop()
            raise
        stop_checked(s, name)
        return w
    return turn


def wrk_rounds(ctx, launchers, path, threads, overhead):
    """ctx.reps rounds of wrk_turn over {name: launcher}; returns (the
    seconds of one wrk run, {name: [results]})."""
    ps = ctx.point_seconds(len(launchers), ctx.reps, overhead=overhead)
    secs = whole_seconds(ctx, ps)
    got = ctx.alternate({n: wrk_turn(ctx, lch, n, path, secs, threads)
                         for n, lch in launchers.items()})
    return secs, got


@no_errors
def run_http_nginx(ctx):
    """build/bin/http --threads 1 against nginx with one worker."""
    same_build(ctx)
    root = benchlib.make_root(ctx.tmp)
    size = (root / "index.html").stat().st_size
    launchers = {
        "http": ctx.launcher(f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} "
                             f"--threads 1", "http"),
        "nginx": ctx.launcher(f"{ctx.tools}/nginx-static --host {{host}} --port {{port}} "
                              f"--root {root} --threads 1 --error-log-level warn", "nginx"),
    }
    secs, got = wrk_rounds(ctx, launchers, "/index.html", threads=2, overhead=1.0)
    what = (f"wrk, closed loop, 2 threads, {HTTP_CONNS} keep-alive connections, {secs} s per "
            f"run: GET /index.html ({size} bytes) from build/bin/http --threads 1 and from "
            f"nginx with worker_processes 1 (tools/nginx-static: sendfile, no access log), "
            f"a fresh server each round. req/s and p99 are wrk's (closed loop: its latency "
            f"leaves out the requests a stall kept from being sent).")
    return [pair_record("pairs.http-nginx", "http vs nginx, small file, 1 worker", what,
                        "req/s", "higher", "http", "nginx", got, "rps",
                        extras=[(WRK_P99, "p99_ms")], headline="http/nginx")]


def proxy_pair(ctx, mode):
    """proxy (one origin) or lb (two origins, round-robin) against
    tools/haproxy-proxy in the same mode, in front of build/bin/http
    origins started once for all rounds."""
    same_build(ctx)
    root = benchlib.make_root(ctx.tmp)
    size = (root / "index.html").stat().st_size
    prog, opt = {"proxy": ("proxy", "--upstream"), "lb": ("lb", "--backends")}[mode]
    origin = ctx.launcher(f"{ctx.bin}/http --host {{host}} --port {{port}} --root {root} "
                          f"--threads 1", "origin")
    origins = [origin.start() for _ in range(1 if mode == "proxy" else 2)]
    try:
        where = ",".join(f"127.0.0.1:{o.port}" for o in origins)
        launchers = {
            prog: ctx.launcher(proxybench.template("ours", prog, opt, where), prog),
            "haproxy": ctx.launcher(proxybench.template("haproxy", prog, opt, where), "haproxy"),
        }
        secs, got = wrk_rounds(ctx, launchers, "/index.html", threads=1, overhead=1.0)
        for o in origins:
            if not o.alive():
                raise RunFailed(f"an origin died\n{o.stderr_block()}")
    except BaseException:
        for o in origins:
            o.stop()
        raise
    for o in origins:
        stop_checked(o, "the origin (build/bin/http)")
    behind = ("one origin" if mode == "proxy" else
              "two origins, round-robin (HAProxy balance roundrobin)")
    what = (f"wrk, closed loop, 1 thread, {HTTP_CONNS} keep-alive connections, {secs} s per "
            f"run: GET /index.html ({size} bytes) through build/bin/{prog} and through HAProxy "
            f"(tools/haproxy-proxy: nbthread 1, keep-alive to the origins) in front of "
            f"{behind}, each a build/bin/http --threads 1 started once for all rounds; a fresh "
            f"{prog} or HAProxy each round. req/s and p99 are wrk's (closed loop).")
    return got, what


@no_errors
def run_proxy_haproxy(ctx):
    """build/bin/proxy against HAProxy, one origin."""
    got, what = proxy_pair(ctx, "proxy")
    return [pair_record("pairs.proxy-haproxy", "proxy vs HAProxy, small file, 1 thread", what,
                        "req/s", "higher", "proxy", "haproxy", got, "rps",
                        extras=[(WRK_P99, "p99_ms")], headline="proxy/haproxy")]


@no_errors
def run_lb_haproxy(ctx):
    """build/bin/lb against HAProxy, two origins."""
    got, what = proxy_pair(ctx, "lb")
    return [pair_record("pairs.lb-haproxy", "lb vs HAProxy, two origins, 1 thread", what,
                        "req/s", "higher", "lb", "haproxy", got, "rps",
                        extras=[(WRK_P99, "p99_ms")])]


# ---- kv: redis-benchmark --------------------------------------------------------------------

def kv_turn(ctx, launcher, name, n, counter):
    """A fresh server with an empty --dir, redis-benchmark -t set,get -n n
    (kvbench.benchmark raises unless it exits 0 with both figures), the
    keys checked with DBSIZE, a clean stop on SIGTERM."""
    def turn():
        counter[0] += 1
        data = ctx.tmp / f"{counter[0]:03d}-{name}"
        data.mkdir()
        s = launcher.start(datadir=str(data))
        try:
            ctx.progress(f"{name}: redis-benchmark -n {n} -c {KV_CONNS}")
            got = kvbench.benchmark(s.port, 1, n, KV_CONNS)
            keys = kvbench.dbsize(s.port)
            if not 0 < keys <= kvbench.KEYSPACE:
                raise RunFailed(f"{name} holds {keys} keys after {n} SETs of random keys "
                                f"among {kvbench.KEYSPACE}")
            if not s.alive():
                raise RunFailed(f"{name} died under redis-benchmark\n{s.stderr_block()}")
        except BaseException:
            s.stop()
            raise
        stop_checked(s, name, timeout=30)
        shutil.rmtree(data, ignore_errors=True)
        return {"get_rps": got["GET"]["rps"], "set_rps": got["SET"]["rps"],
                "get_p99_ms": got["GET"]["p99_ms"]}
    return turn


@no_errors
def run_kv_redis(ctx):
    """build/bin/kv against redis-server under redis-benchmark."""
    common = "--host {host} --port {port} --dir {datadir}"
    launchers = {"kv": ctx.launcher(f"{ctx.bin}/kv {common}", "kv"),
                 "redis-server": ctx.launcher(f"{ctx.tools}/redis-kv {common}", "redis-server")}
    # One short run against redis-server sizes -n so that SET and GET
    # together last about a point's seconds on this machine, now.
    t0 = time.monotonic()
    data = ctx.tmp / "calibrate"
    data.mkdir()
    s = launchers["redis-server"].start(datadir=str(data))
    try:
        cal = kvbench.benchmark(s.port, 1, 10000, KV_CONNS)
    finally:
        s.stop()
    ps = seconds_left(ctx, t0, 2, overhead=0.5)
    if ctx.quick:
        ps = min(ps, 1.0)
    per_request = 1 / cal["SET"]["rps"] + 1 / cal["GET"]["rps"]
    n = max(2000, int(ps / per_request / 1000) * 1000)
    counter = [0]
    got = ctx.alternate({name: kv_turn(ctx, lch, name, n, counter)
                         for name, lch in launchers.items()})
    what = (f"redis-benchmark -t set,get -c {KV_CONNS} -n {n} -r {kvbench.KEYSPACE} (random "
            f"keys, 3-byte values, no pipelining; -n sized from one calibration run so both "
            f"tests last about {ps:.1f} s), closed loop: build/bin/kv against redis-server "
            f"(tools/redis-kv: no persistence), each round a fresh server with an empty --dir, "
            f"its keys checked with DBSIZE and a clean stop on SIGTERM. The figure is GET "
            f"req/s; SET req/s and GET p99 (redis-benchmark's, closed loop) beside.")
    return [pair_record("pairs.kv-redis", "kv vs redis-server, GET, no pipelining", what,
                        "GET req/s", "higher", "kv", "redis-server", got, "get_rps",
                        extras=[("SET req/s", "set_rps"),
                                ("redis-benchmark GET p99 ms (closed loop)", "get_p99_ms")],
                        headline="kv/redis-server")]


# ---- grep: mgrep and GNU grep on a generated file --------------------------------------------

def grep_size(ctx):
    """The text file's size in bytes: 256 MiB at the nominal 25 s (one
    GNU grep run then takes ~0.3-0.7 s here), less in a smaller share,
    32 MiB under --quick. Generating it costs about 40 ms per MiB."""
    if ctx.quick:
        return 32 << 20
    mib = int(min(256, max(32, 256 * ctx.seconds / 25)) // 16 * 16)
    return mib << 20


@no_errors
def run_grep_gnu(ctx):
    """mgrep -F against GNU grep -F, a rare word, the whole file searched."""
    same_build(ctx)
    t0 = time.monotonic()
    path = ctx.tmp / "text"
    size = grep_size(ctx)
    ctx.progress(f"generating {size >> 20} MiB of text")
    info = toolbox.make_text(path, size, toolbox.SEED)
    resident = toolbox.warm(path)
    fs = toolbox.fs_type(path)
    pat = toolbox.PAT["rare"]
    cmds = toolbox.grep_cmds([], pat, path)
    cmds = {"mgrep": cmds["mgrep"], "GNU grep": cmds["grep"]}
    # One untimed run each: the programs' pages in memory, the output both
    # must give in every run, and the time of one run.
    first = {name: toolbox.run(argv, "pipe", keep=1 << 20) for name, argv in cmds.items()}
    ref = first["GNU grep"]
    selected = ref["head"].count(b"\n") if ref["bytes"] <= len(ref["head"]) else None
    ref["head"] = ref["head"][:4096]  # what every timed run keeps of its output
    for name, r in first.items():
        r["head"] = r["head"][:4096]
        if r["status"] != 0 or r["bytes"] != ref["bytes"] or r["head"] != ref["head"]:
            raise RunFailed(f"{name} gave status {r['status']} and {r['bytes']} bytes, GNU grep "
                            f"status {ref['status']} and {ref['bytes']} bytes: "
                            f"{' '.join(cmds[name])}")
    left = ctx.seconds - (time.monotonic() - t0)
    per = max(0.2, left / (len(cmds) * ctx.reps) - 0.05)
    runs = {name: max(1, min(50, int(per / max(r["wall"], 1e-3)))) for name, r in first.items()}

    def turn(name):
        def one():
            walls = []
            for _ in range(runs[name]):
                r = toolbox.run(cmds[name], "pipe")
                if r["status"] != 0 or r["bytes"] != ref["bytes"] or r["head"] != ref["head"]:
                    raise RunFailed(f"{name} gave status {r['status']} and {r['bytes']} bytes "
                                    f"(expected {ref['status']}, {ref['bytes']})")
                walls.append(r["wall"])
            return {"mbs": runs[name] * info["bytes"] / sum(walls) / 1e6,
                    "ms": statistics.median(walls) * 1000}
        return one

    sel_text = f"{selected:,}" if selected is not None else "a few"
    turns = ", ".join(f"{k} runs of {n}" for n, k in runs.items())
    ctx.progress(f"a turn: {turns}")
    got = ctx.alternate({name: turn(name) for name in cmds})
    what = (f"build/bin/mgrep -F {pat} FILE against GNU grep -F {pat} FILE, LC_ALL=C: a "
            f"generated text file of {info['bytes'] / 1e6:,.0f} MB ({info['lines']:,} lines of "
            f"logs, prose and code, {sel_text} selected) on {fs}, read once before, so from "
            f"the page cache; output through a pipe that the script drains (to /dev/null "
            f"both stop at the first match). A figure is one contender's turn: {turns} "
            f"back to back, MB of file (10^6 bytes) ÷ their total wall time; ms beside is the "
            f"median run.")
    notes = [f"{ref['bytes']:,} bytes of output, the same from both in every run",
             f"page cache: {resident * 100:.0f}% of the file resident after the warm-up read"
             if resident is not None else "page cache residency unknown (no fincore)"]
    return [pair_record("pairs.grep-gnu", "mgrep vs GNU grep, rare word, whole file", what,
                        "MB/s", "higher", "mgrep", "GNU grep", got, "mbs",
                        extras=[("ms per run", "ms")], headline="grep/GNU grep", notes=notes)]


# ---- mempool: the pool against malloc --------------------------------------------------------

@no_errors
def run_mempool_malloc(ctx):
    """build/bench/mempool_bench pool against malloc: 64-byte blocks."""
    same_build(ctx)
    n, size, seed = MEMPOOL_N, MEMPOOL_SIZE, MEMPOOL_SEED
    # Calibrate on malloc: its ns per pair for each pattern, from a short
    # run (the driver runs the pattern once untimed first).
    t0 = time.monotonic()
    cal = {p: mempoolbench.measure("malloc", size, p, n, 2, seed) for p in ("random", "lifo")}
    ps = seconds_left(ctx, t0, 2, overhead=0.3)
    if ctx.quick:
        ps = min(ps, 1.0)
    # A round of random is 4N steps, about 2N pairs; of lifo, N pairs.
    # Random gets two thirds of a turn, lifo one third.
    rounds = {"random": max(1, int(ps * 2 / 3 / (cal["random"] * 1e-9 * 2 * n))),
              "lifo": max(1, int(ps / 3 / (cal["lifo"] * 1e-9 * n)))}

    def turn(who):
        def one():
            ctx.progress(f"{who}: random × {rounds['random']}, lifo × {rounds['lifo']}")
            return {p: mempoolbench.measure(who, size, p, n, rounds[p], seed)
                    for p in ("random", "lifo")}
        return one

    raw = ctx.alternate({"mempool": turn("pool"), "malloc": turn("malloc")})
    what = (f"build/bench/mempool_bench (bench/mempool_bench.c), one process per figure: "
            f"{size}-byte blocks, working set N = {n:,}; random = 4N steps of churn from empty "
            f"(each an allocation with probability 1 - live/N, else the free of a random live "
            f"block; seed {seed}, the same steps for both), {rounds['random']} timed round(s) "
            f"after one untimed; the mean ns of one alloc + free pair. mempool is impl/mempool's "
            f"free-list pool (mp_pool_create without MP_DEBUG), malloc is glibc's malloc and "
            f"free. LIFO beside: N allocations then the N frees, last first, "
            f"{rounds['lifo']} rounds.")
    return [pair_record("pairs.mempool-malloc", "mempool pool vs glibc malloc, 64-byte blocks",
                        what, "ns per alloc+free", "lower", "mempool", "malloc", raw, "random",
                        extras=[("lifo ns per pair", "lifo")], headline="mempool/malloc")]


# ---- echo: three servers under echo-client ---------------------------------------------------

ECHO_SERVERS = ["echo-uring", "echo-epoll", "echo-blocking"]


@no_errors
def run_echo_servers(ctx):
    """echo-uring against echo-epoll, echo-blocking third."""
    same_build(ctx)
    ps = ctx.point_seconds(len(ECHO_SERVERS), ctx.reps, overhead=0.6)
    if ctx.quick:
        ps = min(ps, 1.0)
    launchers = {name: ctx.launcher(f"{ctx.bin}/{name} --host {{host}} --port {{port}}", name)
                 for name in ECHO_SERVERS}
    warm_msgs = 100

    def turn(name):
        def one():
            s = launchers[name].start()
            try:
                # A short warm-up run, which also gives the rate that sizes
                # the measured run to about ps seconds.
                w = echo_load(name, s.port, warm_msgs, 60)
                per_conn = max(200, int(w["msgs_per_s"] * ps / ECHO_CONNS))
                ctx.progress(f"{name}: {ECHO_CONNS} × {per_conn} messages")
                r = echo_load(name, s.port, per_conn, 30 + 10 * ps)
                if not s.alive():
                    raise RunFailed(f"{name} died under echo-client\n{s.stderr_block()}")
            except BaseException:
                s.stop()
                raise
            stop_checked(s, name)
            return {"mps": r["msgs_per_s"], "p99_ms": r["latency_us"]["p99"] / 1000,
                    "messages": r["messages"]}
        return one

    got = ctx.alternate({name: turn(name) for name in ECHO_SERVERS})
    counts = {n: [r["messages"] for r in rs] for n, rs in got.items()}
    what = (f"build/bin/echo-client, closed loop: {ECHO_CONNS} connections ping-pong (each "
            f"sends a {ECHO_SIZE}-byte message and waits for its echo), every byte checked; "
            f"each turn a fresh server, a warm-up of {warm_msgs} messages per connection, then "
            f"a run sized to about {ps:.1f} s from the warm-up's rate. echo-uring (io_uring), "
            f"echo-epoll (epoll, one thread) and echo-blocking (blocking sockets, a thread per "
            f"connection). messages/s and p99 are echo-client's (closed loop).")
    notes = ["messages per measured run: " + "; ".join(f"{n} {fmt_range(c)}"
                                                       for n, c in counts.items())]
    return [pair_record("pairs.echo-servers", "echo servers: io_uring, epoll, blocking", what,
                        "messages/s", "higher", "echo-uring", "echo-epoll", got, "mps",
                        extras=[("echo-client p99 ms (closed loop)", "p99_ms")],
                        headline="uring/epoll", notes=notes)]


def echo_load(name, port, per_conn, timeout):
    """One echo-client run (echobench.load); any error or mismatch raises."""
    r = echobench.load(port, ECHO_CONNS, per_conn, ECHO_SIZE, int(timeout))
    if "error" in r:
        raise RunFailed(f"echo-client against {name}: {r['error']}")
    if r.get("errors") or not r.get("ok"):
        raise RunFailed(f"echo-client against {name}: {r.get('errors')} errors")
    return r


# ---- items: the two stores and the two front ends --------------------------------------------

def items_turn(ctx, contender, a, template, counter):
    """A contender for ctx.alternate: itemsbench.one_round (a fresh server
    holding the same items, wrk with items-mix.lua, a clean stop), raising
    when wrk or the server's own /metrics saw any error."""
    def turn():
        counter[0] += 1
        ctx.progress(f"{contender[0]} --storage {contender[1]}: wrk {a.seconds} s")
        w = itemsbench.one_round(contender, 1, ITEMS_MIX, a, ctx.tmp, template, counter[0])
        if w["status"] or w["socket_errors"] or w["server_errors"]:
            raise RunFailed(f"{contender[0]} --storage {contender[1]}: wrk saw {w['status']} "
                            f"non-2xx answers and {w['socket_errors']} socket errors; the "
                            f"server counted {w['server_errors'] or 'no'} errors")
        return w
    return turn


def items_what(a, contenders):
    _, write_pct, list_pct = ITEMS_MIX
    return (f"wrk, closed loop, 1 thread, {a.connections} keep-alive connections, {a.seconds} s "
            f"per run, with bench/items-mix.lua: {100 - write_pct - list_pct}% GET /items/{{id}} "
            f"of a stored item, {list_pct}% GET /items?limit={itemsbench.PAGE} pages, "
            f"{write_pct}% POST /items of a new item; each run a fresh server (--threads 1, "
            f"--rate 0, --log-level warn) holding the same {itemsbench.PREFILL} items. "
            f"Contenders: " + "; ".join(f"{f} --storage {s}" for f, s in contenders)
            + ". req/s and p99 are wrk's (closed loop); no run had a non-2xx answer or socket "
            "error, by wrk and by the server's own /metrics.")


@no_errors
def run_items_storage(ctx):
    """items --storage memory against --storage sqlite."""
    same_build(ctx)
    t0 = time.monotonic()
    template, fill_s = itemsbench.make_template(ctx.tmp)
    a = types.SimpleNamespace(connections=HTTP_CONNS,
                              seconds=whole_seconds(ctx, seconds_left(ctx, t0, 2, overhead=1.1)))
    cs = {"memory": ("items", "memory"), "sqlite": ("items", "sqlite")}
    counter = [0]
    got = ctx.alternate({n: items_turn(ctx, c, a, template, counter) for n, c in cs.items()})
    what = items_what(a, cs.values()) + (
        " SQLite: WAL mode, synchronous=FULL, so every POST is a commit that waits for "
        "fdatasync; each run starts from a copy of one database filled once. The writes/s "
        "beside are the POSTs answered 201 per second (the server's /metrics).")
    notes = [f"filling the SQLite template with {itemsbench.PREFILL} POSTs, a commit each, "
             f"took {fill_s:.2f} s"]
    return [pair_record("pairs.items-storage", "items: memory vs SQLite storage, 90/10 mix",
                        what, "req/s", "higher", "memory", "sqlite", got, "rps",
                        extras=[("writes/s", "writes_s"), (WRK_P99, "p99_ms")], notes=notes)]


@no_errors
def run_items_http(ctx):
    """items (our HTTP server) against items-mhd (libmicrohttpd)."""
    same_build(ctx)
    a = types.SimpleNamespace(connections=HTTP_CONNS,
                              seconds=whole_seconds(ctx, ctx.point_seconds(2, overhead=1.1)))
    cs = {"items": ("items", "memory"), "items-mhd": ("items-mhd", "memory")}
    counter = [0]
    got = ctx.alternate({n: items_turn(ctx, c, a, None, counter) for n, c in cs.items()})
    what = items_what(a, cs.values()) + (
        " items answers HTTP with our own server code (impl/http/lib), items-mhd with "
        "libmicrohttpd (its internal polling thread, epoll); the service code and the store "
        "are the same.")
    return [pair_record("pairs.items-http", "items: hand-written HTTP vs libmicrohttpd", what,
                        "req/s", "higher", "items", "items-mhd", got, "rps",
                        extras=[(WRK_P99, "p99_ms")])]


EXPERIMENTS = [
    Experiment(id="pairs.http-nginx", weight=30, run=run_http_nginx,
               title="http vs nginx", needs=["build/bin/http", "nginx", "wrk"]),
    Experiment(id="pairs.proxy-haproxy", weight=30, run=run_proxy_haproxy,
               title="proxy vs HAProxy", needs=["build/bin/proxy", "build/bin/http", "haproxy",
                                                "wrk"]),
    Experiment(id="pairs.lb-haproxy", weight=25, run=run_lb_haproxy,
               title="lb vs HAProxy", needs=["build/bin/lb", "build/bin/http", "haproxy", "wrk"]),
    Experiment(id="pairs.kv-redis", weight=30, run=run_kv_redis,
               title="kv vs redis-server", needs=["build/bin/kv", "redis-server",
                                                  "redis-benchmark", "redis-cli"]),
    Experiment(id="pairs.grep-gnu", weight=25, run=run_grep_gnu,
               title="mgrep vs GNU grep", needs=["build/bin/mgrep", "grep"]),
    Experiment(id="pairs.mempool-malloc", weight=15, run=run_mempool_malloc,
               title="mempool vs malloc", needs=["build/bench/mempool_bench"]),
    Experiment(id="pairs.echo-servers", weight=35, run=run_echo_servers,
               title="echo servers: uring, epoll, blocking",
               needs=["build/bin/echo-uring", "build/bin/echo-epoll", "build/bin/echo-blocking",
                      "build/bin/echo-client"]),
    Experiment(id="pairs.items-storage", weight=20, run=run_items_storage,
               title="items: memory vs SQLite", needs=["build/bin/items", "wrk"]),
    Experiment(id="pairs.items-http", weight=20, run=run_items_http,
               title="items vs items-mhd", needs=["build/bin/items", "build/bin/items-mhd",
                                                  "wrk"]),
]
