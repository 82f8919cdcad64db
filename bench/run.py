#!/usr/bin/python3
"""`make bench`: every side-by-side benchmark, the scaling curves, the tuning
experiments and the system measurements in one run, within one time budget.
Writes bench/results/<time>.json (and latest.json), then bench/REPORT.md and
bench/plots/ through bench/report.py.

The experiments live in bench/exp_*.py, each module a list EXPERIMENTS of
Experiment(id, weight, run, title, needs). `weight` is the experiment's
nominal seconds at the default budget of 600 s; this runner scales every
weight to the budget given and, when an experiment overruns, shrinks the
share of those still to come so that the whole run stays near the budget.
run(ctx) measures and returns records (dicts: "pair", "curve" or "table",
described in bench/README.md); `ctx` gives it its seconds, the number of
repetitions, a temp dir, servers through the launch contract, and the load
tools: wrk for closed-loop throughput, build/bench/osnet-load for
open-loop latency (constant rate, free of coordinated omission).

Contenders of one comparison run alternately in the same run
(ctx.alternate: every round calls each once, the order rotating), so a
noisy neighbour slows all of them alike, and the ratio of two medians
measured side by side means more than either absolute figure: the load
tools share the machine's cores with the servers. Never part of make check.

  bench/run.py [--budget S] [--only ID,PATTERN,...] [--quick] [--list]
               [--reps N] [--no-report] [--results-dir DIR] [--report FILE]
               [--strict] [-v]

Exit status: 0 when every experiment ran or was skipped; 1 when one failed
or, with --strict (make bench), was skipped because a tool or build output
it needs is missing; 143 after SIGTERM, 130 after Ctrl-C, once the servers
are stopped and what was measured so far is written (the experiment that
was under way marked "interrupted").
"""
import argparse
import datetime
import fnmatch
import importlib
import json
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "conformance"))
sys.path.insert(0, str(BENCH))
import benchlib  # noqa: E402
from benchlib import machine  # noqa: E402

BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
MODULES = ["exp_pairs", "exp_scaling", "exp_tuning", "exp_system"]
NOMINAL_BUDGET = 600.0
# Server limits for the bench: the launcher's sandbox defaults suit tests
# (4096 tasks, 8192 descriptors), not a thread-per-connection server
# holding 10,000 clients.
SANDBOX_DEFAULTS = {"OSNET_MAX_PROCS": "40000", "OSNET_MAX_FILES": "65536",
                    "OSNET_MAX_CPU": "100000", "OSNET_MAX_MEMORY": "16G"}


class Skip(Exception):
    """An experiment cannot measure here (a missing tool, a limit of the
    machine): recorded with its reason, the run goes on."""


@dataclass
class Experiment:
    id: str
    weight: float
    run: Callable
    title: str = ""
    needs: list = field(default_factory=list)


def missing_needs(exp):
    """The needs of exp this machine lacks: executables on PATH, or paths
    relative to the repository (build/bin/http)."""
    out = []
    for n in exp.needs:
        if "/" in n:
            p = ROOT / n.replace("build/", f"{BUILD.name}/", 1) if n.startswith("build/") else ROOT / n
            if not p.exists():
                out.append(n)
        elif shutil.which(n) is None:
            out.append(n)
    return out


class Ctx:
    """What an experiment's run() gets: see the module docstring and
    bench/README.md."""

    def __init__(self, runner, exp, seconds, tmp):
        self.runner = runner
        self.exp = exp
        self.seconds = seconds
        self.reps = runner.reps
        self.quick = runner.quick
        self.tmp = tmp
        self.root = ROOT
        self.build = BUILD
        self.bin = BUILD / "bin"
        self.tools = ROOT / "tools"
        self.launchers = []

    def progress(self, msg):
        self.runner.progress(f"{self.exp.id}: {msg}")

    def point_seconds(self, n_points, reps=None, overhead=0.5, lo=0.5, hi=10.0):
        """Seconds per measurement so that n_points × reps measurements,
        each with `overhead` seconds of setup, fit in this experiment's
        share."""
        reps = reps or self.reps
        s = self.seconds / max(1, n_points * reps) - overhead
        return max(lo, min(hi, s))

    def alternate(self, contenders, reps=None):
        """reps rounds; each calls every contender once, the order rotating
        by one per round. Returns {name: [result, ...]}."""
        reps = reps or self.reps
        names = list(contenders)
        got = {n: [] for n in names}
        for r in range(reps):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                got[n].append(contenders[n]())
        return got

    def launcher(self, template, name):
        from osnet_harness.launch import Launcher
        lch = Launcher(template, name, str(self.tmp))
        self.launchers.append(lch)
        return lch

    def load(self, args, timeout=None):
        """build/bench/osnet-load with args (--json added): its JSON."""
        argv = [str(BUILD / "bench" / "osnet-load"), *map(str, args)]
        if "--json" not in argv:
            argv.append("--json")
        limit = timeout or 120 + self.seconds
        p = subprocess.run(argv, capture_output=True, text=True, timeout=limit)
        if p.returncode != 0:
            raise RuntimeError(f"`{' '.join(argv)}` exited {p.returncode}: "
                               f"{p.stderr.strip()[-1500:]}")
        try:
            return json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"`{' '.join(argv)}` printed no JSON: {p.stdout[-500:]!r}") \
                from None

    def wrk(self, port, path, seconds, conns, threads=2, headers=(), host="127.0.0.1",
            allow_errors=False):
        """One closed-loop wrk run (benchlib.wrk): {"rps", "p50_ms",
        "p99_ms", "errors"}. Raises on any non-2xx/3xx response, and on
        socket errors unless allow_errors."""
        return benchlib.wrk(port, path, seconds, conns, threads, host=host, headers=headers,
                            allow_errors=allow_errors)

    def rss_kib(self, pid):
        """Resident memory of every process in the process group pid, KiB
        (bench/echo.py's reading, which its idle-connection table uses)."""
        import echo
        return echo.rss_kib(pid)

    def close(self):
        for lch in self.launchers:
            try:
                lch.stop_all()
            except Exception as e:  # a stop that fails must not end the run
                self.progress(f"stopping {lch.name}: {e}")


class Runner:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.reps = a.reps or (1 if a.quick else 3)
        self.t0 = time.monotonic()
        self.interrupted = 0  # the exit status once Ctrl-C or SIGTERM ended the run
        self.how = None  # what ended it: "SIGTERM", "Ctrl-C (SIGINT)"
        self.current = None  # (entry, ctx, tmp, start) of the experiment under way

    def progress(self, msg):
        el = time.monotonic() - self.t0
        print(f"[{el:5.0f}s/{self.a.budget:.0f}s] {msg}", file=sys.stderr, flush=True)

    def plan(self, exps):
        """Seconds for each experiment: its weight scaled to the budget (a
        little is kept for the report)."""
        usable = self.a.budget * 0.97
        total = sum(e.weight for e in exps)
        scale = min(self.a.budget / NOMINAL_BUDGET, usable / total) if total else 0
        return {e.id: e.weight * scale for e in exps}

    def run(self, exps):
        """Runs exps in order; returns their entries for the results file.
        Ctrl-C or SIGTERM (main() turns it into SystemExit(143)) ends the
        run: the servers of the experiment under way are stopped, it is
        recorded "interrupted", the entries so far are returned and
        self.interrupted holds the exit status (130 after Ctrl-C, 143 after
        SIGTERM, 1 when an experiment called sys.exit())."""
        planned = self.plan(exps)
        entries = []
        left_nominal = sum(planned.values())
        try:
            for i, e in enumerate(exps):
                # What is left of the budget goes to what is left to run, in
                # proportion: an overrun shrinks the rest instead of the run
                # overrunning the budget.
                left = self.a.budget * 0.97 - (time.monotonic() - self.t0)
                share = (planned[e.id] * min(1.0, max(0.2, left / left_nominal))
                         if left_nominal else 0)
                left_nominal -= planned[e.id]
                if self.quick:
                    share = min(share, 15.0)
                self.progress(f"{e.id} ({i + 1}/{len(exps)}): {share:.0f}s planned")
                entries.append(self.one(e, share))
        except (KeyboardInterrupt, SystemExit) as ex:
            # No second signal may cut the clean-up short (SIGKILL still can).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if isinstance(ex, KeyboardInterrupt):
                how, self.interrupted = "Ctrl-C (SIGINT)", 130
            elif SIGNALLED:
                how, self.interrupted = SIGNALLED[0], 128 + SIGNALLED[1]
            else:  # sys.exit() somewhere in an experiment: a bug, not a signal
                how, self.interrupted = f"sys.exit({ex.code!r})", 1
            self.how = how
            self.progress(f"interrupted by {how}: stopping the servers, writing what was "
                          f"measured")
            if self.current is not None:
                entry, ctx, tmp, t = self.current
                ctx.close()
                shutil.rmtree(tmp, ignore_errors=True)
                if "status" not in entry:  # still measuring: nothing of it is a result
                    after = len(exps) - len(entries) - 1
                    entry.update(status="interrupted", records=[],
                                 why=f"{how} during this experiment"
                                     + (f"; the {after} after it did not run" if after else ""))
                entry["seconds_taken"] = round(time.monotonic() - t, 1)
                check_finite(entry, self.progress)
                entries.append(entry)
                self.current = None
        return entries

    def one(self, e, share):
        """Runs experiment e with `share` seconds: its entry. self.current
        holds (entry, ctx, tmp dir, start) while its servers may run."""
        entry = {"id": e.id, "title": e.title or e.id, "seconds_planned": round(share, 1)}
        lacking = missing_needs(e)
        if lacking:
            entry.update(status="skipped", why="not installed or not built: "
                         + ", ".join(lacking), missing=lacking, seconds_taken=0, records=[])
            self.progress(f"{e.id}: skipped ({entry['why']})")
            return entry
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"osnet-bench-{e.id}-"))
        ctx = Ctx(self, e, share, tmp)
        t = time.monotonic()
        self.current = (entry, ctx, tmp, t)
        try:
            got = e.run(ctx)
            entry.update(status="ok", records=list(got or []))
        except Skip as s:
            entry.update(status="skipped", why=str(s), records=[])
            self.progress(f"{e.id}: skipped: {s}")
        except Exception as ex:  # one failed experiment must not lose the others
            entry.update(status="failed", why=f"{type(ex).__name__}: {ex}", records=[])
            self.progress(f"{e.id}: FAILED: {ex}")
            if self.a.verbose:
                traceback.print_exc()
        # Ctrl-C and SIGTERM go up to run(), which stops the servers then.
        ctx.close()
        shutil.rmtree(tmp, ignore_errors=True)
        entry["seconds_taken"] = round(time.monotonic() - t, 1)
        self.progress(f"{e.id}: {entry['status']} in {entry['seconds_taken']:.0f}s")
        check_finite(entry, self.progress)
        self.current = None
        return entry


def check_finite(entry, progress):
    """Replaces every NaN or infinity in entry's records by None (JSON has
    neither), with a note on the record saying where: a figure that is not
    a number is not a result, and is never written as one."""
    def clean(x, where, found):
        if isinstance(x, float) and not math.isfinite(x):
            found.append(f"{where} ({x})")
            return None
        if isinstance(x, dict):
            return {k: clean(v, f"{where}.{k}" if where else str(k), found) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v, f"{where}[{j}]", found) for j, v in enumerate(x)]
        return x

    for j, rec in enumerate(entry.get("records") or []):
        found = []
        rec = clean(rec, "", found)
        if found:
            note = ("not a finite number, left out (null): " + ", ".join(found[:10])
                    + (f" and {len(found) - 10} more" if len(found) > 10 else ""))
            if isinstance(rec, dict):
                rec["notes"] = list(rec.get("notes") or []) + [note]
            progress(f"{entry['id']}: {note}")
        entry["records"][j] = rec


def load_experiments():
    exps, problems = [], []
    for m in MODULES:
        try:
            mod = importlib.import_module(m)
        except ModuleNotFoundError as e:
            if e.name == m:
                problems.append(f"bench/{m}.py is missing")
                continue
            raise
        exps += mod.EXPERIMENTS
    ids = [e.id for e in exps]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"bench/run.py: experiment ids used twice: {', '.join(sorted(dup))}")
    return exps, problems


def select(exps, only):
    if not only:
        return exps
    pats = [p.strip() for p in only.split(",") if p.strip()]
    chosen = [e for e in exps if any(fnmatch.fnmatchcase(e.id, p) for p in pats)]
    unknown = [p for p in pats if not any(fnmatch.fnmatchcase(e.id, p) for e in exps)]
    if unknown:
        sys.exit(f"bench/run.py: no experiment matches {', '.join(unknown)} "
                 f"(bench/run.py --list shows them)")
    return chosen


def first_line(argv, stream="stdout"):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout if stream == "stdout" else p.stderr) or p.stdout or p.stderr
    return text.strip().splitlines()[0] if text.strip() else None


def versions():
    v = {
        "nginx": first_line(["nginx", "-v"], "stderr"),
        "haproxy": first_line(["haproxy", "-v"]),
        "redis-server": first_line(["redis-server", "--version"]),
        "grep": first_line(["grep", "--version"]),
        "wrk": first_line(["wrk", "-v"]),
        "gcc": first_line(["gcc", "--version"]),
        "glibc": first_line(["ldd", "--version"]),
        "gnuplot": first_line(["gnuplot", "--version"]),
    }
    return {k: x for k, x in v.items() if x}


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", ".",
                                ":!bench/results", ":!bench/REPORT.md", ":!bench/plots"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("-dirty" if dirty else "") if rev else None
    except OSError:
        return None


def options():
    ap = argparse.ArgumentParser(
        prog="bench/run.py", description="Every osnet benchmark in one run within a time "
        "budget: results JSON in bench/results/, bench/REPORT.md and bench/plots/.")
    ap.add_argument("--budget", type=float, default=float(os.environ.get("BENCH_BUDGET") or 600),
                    help="seconds for the whole run (default 600, or $BENCH_BUDGET)")
    ap.add_argument("--only", default=os.environ.get("BENCH_ONLY") or "",
                    help="comma-separated experiment ids or patterns (pairs.*), default all")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: one repetition, small sizes, at most 15 s an experiment")
    ap.add_argument("--reps", type=int, help="repetitions per contender (default 3; 1 with --quick)")
    ap.add_argument("--list", action="store_true", help="list the experiments and exit")
    ap.add_argument("--no-report", action="store_true",
                    help="write the results JSON but leave bench/REPORT.md alone")
    ap.add_argument("--results-dir", default=str(BENCH / "results"))
    ap.add_argument("--report", default=str(BENCH / "REPORT.md"))
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when an experiment is skipped for a missing tool or build "
                         "output (make bench passes it); the report is still written")
    ap.add_argument("-v", "--verbose", action="store_true", help="tracebacks of failed experiments")
    a = ap.parse_args()
    if a.budget <= 0:
        ap.error("--budget must be positive")
    if a.reps is not None and a.reps < 1:
        ap.error("--reps must be at least 1")
    return a


SIGNALLED = []  # (name, number) of the signal that ended the run, once one has


def on_sigterm(signum, frame):
    """SIGTERM (from `timeout`, CI, a kill) becomes SystemExit(143), which
    unwinds like Ctrl-C: every finally block runs and the servers, each in
    a session of its own that a signal to our group does not reach, are
    stopped. Further SIGTERMs are ignored so that they cannot cut that
    clean-up short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    SIGNALLED[:] = [signal.Signals(signum).name, signum]
    sys.exit(128 + signum)


def main():
    a = options()
    signal.signal(signal.SIGTERM, on_sigterm)
    from osnet_harness.launch import raise_nofile_limit
    nofile = raise_nofile_limit()
    for k, v in SANDBOX_DEFAULTS.items():
        os.environ.setdefault(k, v)
    # A server may not be given more descriptors than the hard limit.
    if int(os.environ["OSNET_MAX_FILES"]) > nofile:
        os.environ["OSNET_MAX_FILES"] = str(nofile)
    exps, problems = load_experiments()
    if a.list:
        for e in exps:
            print(f"{e.id:28} {e.weight:5.0f}s  {e.title}")
        for p in problems:
            print(f"({p})")
        return 0
    exps = select(exps, a.only)
    r = Runner(a)
    for p in problems:
        r.progress(p)
    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = list(os.getloadavg())
    r.progress(f"{len(exps)} experiments, budget {a.budget:.0f}s"
               + (", quick" if a.quick else "") + f", load {load0[0]:.1f}")
    entries = r.run(exps)
    finished = datetime.datetime.now(datetime.timezone.utc)
    res = {
        "schema": 1,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "budget_s": a.budget,
        "took_s": round(time.monotonic() - r.t0, 1),
        "quick": a.quick,
        "reps": r.reps,
        "only": a.only or None,
        "machine": machine(),
        "git": git_rev(),
        "load": {"before": load0, "after": list(os.getloadavg())},
        "versions": versions(),
        "experiments": entries,
    }
    if r.interrupted:
        done = sum(e["status"] != "interrupted" for e in entries)
        res["interrupted"] = (f"by {r.how}; {done} of {len(exps)} experiments finished")
    out = pathlib.Path(a.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{started.strftime('%Y-%m-%dT%H-%M-%S')}.json"
    # check_finite() left no NaN or infinity in the records; allow_nan=False
    # makes sure (JSON has neither, and other readers refuse them).
    text = json.dumps(res, indent=1, allow_nan=False) + "\n"
    path.write_text(text)
    (out / "latest.json").write_text(text)
    r.progress(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not a.no_report:
        import report
        report.write(res, pathlib.Path(a.report))
        r.progress(f"wrote {a.report}")
    # What did not measure, last, where it is seen: a missing need fails the
    # run under --strict (make bench builds and installs every one first);
    # a Skip the experiment raised (a limit of this machine) stays a skip.
    status = 0
    for e in entries:
        if e["status"] == "skipped" and e.get("missing") and a.strict:
            r.progress(f"FAILED (--strict) {e['id']}: {e['why']}")
            status = 1
        elif e["status"] == "skipped":
            r.progress(f"skipped {e['id']}: {e['why']}")
        elif e["status"] in ("failed", "interrupted"):
            r.progress(f"{e['status'].upper()} {e['id']}: {e['why']}")
            status = 1
    return r.interrupted or status


if __name__ == "__main__":
    # The experiments import Skip and Experiment from "run": the same module
    # as this script, not a second copy with classes of its own.
    sys.modules.setdefault("run", sys.modules["__main__"])
    sys.exit(main())
