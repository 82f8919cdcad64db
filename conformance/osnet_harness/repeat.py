"""`osnet check --repeat N`: hunt a flaky test.

A test that fails one run in twenty is the hardest failure to fix, because
it is hard to see again. --repeat runs the selected suites N times against
the same implementation (-j of them at once: a loaded machine shakes out
races sooner) and prints, per test, how many runs it took part in, how
often it failed, and the first failure's reason with the folder that run's
logs and captures were kept in. The runs where nothing failed leave nothing
behind; each failing run's artifacts are kept in a folder of its own
(run-003/), so the first failure can be read in full however many followed.

Exit status: 1 when any test failed at least once (or a run did not finish
while others did, or left processes behind: a flake too), 2 when no run
could run the suite, 0 when every test passed every run.

Stdlib only, like tools/osnet.
"""
import concurrent.futures
import copy
import io
import json
import pathlib
import re
import shutil
import sys
import threading
import time

FAILED = ("failed", "error")


class Tally:
    """One test of one implementation, over every run."""

    def __init__(self, nodeid, reqs, known):
        self.nodeid, self.reqs = nodeid, reqs
        # Every requirement it cites is a documented deviation of this
        # (real) program: its failures are shown, not counted.
        self.known = bool(reqs) and all(r in known for r in reqs)
        self.runs = self.failures = self.skipped = 0
        self.first = None  # (run number, message, artifacts folder) of its first failure
        self.skip_reason = ""

    def add(self, k, t, art):
        if t["outcome"] == "skipped":
            self.skipped += 1
            self.skip_reason = self.skip_reason or t.get("skip_reason", "")
            return
        self.runs += 1
        if t["outcome"] in FAILED:
            self.failures += 1
            if self.first is None:
                self.first = (k, t.get("message", "").strip() or "(no message)", str(art))

    def rate(self):
        return f"{100 * self.failures / self.runs:.0f}%" if self.runs else "-"

    def as_json(self):
        return {"nodeid": self.nodeid, "reqs": self.reqs, "runs": self.runs,
                "failures": self.failures, "skipped": self.skipped, "known": self.known,
                "first_failure": None if self.first is None else
                {"run": self.first[0], "message": self.first[1], "artifacts": self.first[2]}}


def folder_name(run):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{run.component}-{run.name}")[:60]


def first_line(text, width):
    line = next((l.strip() for l in text.splitlines() if l.strip()), "")
    return line if width is None or len(line) <= width else line[:width - 3] + "..."


def main(runs, args, base, run_pytest, color):
    """Run every implementation's suites args.repeat times; print the
    per-test table; return the exit status."""
    n = args.repeat
    tasks = [(i, k) for k in range(1, n + 1) for i in range(len(runs))]
    jobs = max(1, min(args.jobs, len(tasks)))
    what = ", ".join(args.suites) + (f"; --req {' '.join(args.req)}" if args.req else "") + \
        (f"; -k {args.k}" if args.k else "")
    print(color("1", f"{len(runs)} implementation(s) × {n} runs ({what}), {jobs} at a time"),
          flush=True)
    lock = threading.Lock()
    done = [0]

    def one(i, k):
        """Run k of implementation i, its progress lines swallowed: only a
        line per finished run is printed."""
        run = copy.copy(runs[i])
        run.results, run.error, run.left_behind = [], None, []
        art = base / folder_name(run) / f"run-{k:03d}"
        if art.exists():
            shutil.rmtree(art)
        art.mkdir(parents=True)
        t0 = time.monotonic()
        run_pytest(run, args, art, None, io.StringIO())
        secs = time.monotonic() - t0
        failed = sum(1 for t in run.results if t["outcome"] in FAILED)
        passed = sum(1 for t in run.results if t["outcome"] == "passed")
        if not failed and not run.error and not args.artifacts:
            shutil.rmtree(art, ignore_errors=True)  # nothing to look at
        with lock:
            done[0] += 1
            verdict = color("31;1", "FAIL") if failed or run.error else color("32", "PASS")
            note = f", did not finish: {first_line(run.error, 100)}" if run.error else ""
            print(f"[{done[0]:>{len(str(len(tasks)))}}/{len(tasks)}] {verdict}  "
                  f"{run.component} · {run.name} run {k}: {passed} passed, {failed} failed{note}"
                  + color("2", f" ({secs:.0f}s)"), flush=True)
        return run, art

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = {t: ex.submit(one, *t) for t in tasks}
        out = {t: f.result() for t, f in futs.items()}

    status = 0
    report = []
    for i, base_run in enumerate(runs):
        tallies = {}
        unfinished = []
        left = []  # (run, processes the sandbox found still running after pytest)
        for k in range(1, n + 1):
            run, art = out[(i, k)]
            if run.error:
                unfinished.append((k, run.error, art))
            if getattr(run, "left_behind", None):
                left.append((k, run.left_behind))
            for t in run.results:
                tally = tallies.get(t["nodeid"])
                if tally is None:
                    tally = tallies[t["nodeid"]] = Tally(t["nodeid"], t.get("reqs", []),
                                                         base_run.known)
                tally.add(k, t, art)
        rows = sorted(tallies.values(), key=lambda t: -t.failures)  # stable: suite order otherwise
        print_table(base_run, n, rows, unfinished, args, color)
        for k, procs in left:
            print(color("31", f"  run {k} left processes behind (killed): {'; '.join(procs)}"))
        if any(t.failures and not t.known for t in rows) or left:
            status = 1
        if unfinished:
            # Every run broke down: the suite cannot run at all (2); some
            # did: the breakdown itself comes and goes (1).
            status = max(status, 2 if len(unfinished) == n else 1)
        report.append({"component": base_run.component, "implementation": base_run.name,
                       "template": base_run.template, "repeat": n,
                       "unfinished": [{"run": k, "error": e, "artifacts": str(a)}
                                      for k, e, a in unfinished],
                       "left_behind": [{"run": k, "processes": p} for k, p in left],
                       "tests": [t.as_json() for t in rows]})
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1))
    if status == 0 and not args.artifacts:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(color("2", f"\nlogs, captures and server output of the failing runs kept in {base}"))
    return status


def print_table(run, n, rows, unfinished, args, color, out=sys.stdout):
    width = None if args.verbose else 70
    print(file=out)
    print(color("1", f"{run.component} · {run.name}") + f": {n} runs", file=out)
    shown = [t for t in rows if t.failures or not args.quiet]
    name_w = min(60, max([len(t.nodeid) for t in shown] + [4]))
    if shown:
        print(f"  {'runs':>4} {'failed':>6} {'rate':>5}  {'test':<{name_w}}  first failure", file=out)
    for t in shown:
        line = f"  {t.runs:>4} {t.failures:>6} {t.rate():>5}  {t.nodeid:<{name_w}}  "
        if t.first:
            line += f"run {t.first[0]}: {first_line(t.first[1], width)}"
            if t.known:
                line += " (known deviation: not counted)"
        elif not t.runs:
            line += color("2", f"skipped: {t.skip_reason}")
        print(color("31", line) if t.failures and not t.known else line, file=out)
    calm = len(rows) - len(shown)
    if calm:
        print(color("2", f"  ... and {calm} test(s) that passed every run"), file=out)
    if not rows and not unfinished:
        print("  no test ran (the selection matched none)", file=out)
    for k, error, art in unfinished:
        print(color("31", f"  run {k} did not finish: {first_line(error, width)}  ({art})"), file=out)
    for t in rows:
        if t.first and not t.known:
            k, message, art = t.first
            print(color("31;1", f"\n  ── {t.nodeid}") + f": failed {t.failures} of {t.runs} runs; "
                  f"the first, run {k} (artifacts: {art}):", file=out)
            lines = message.splitlines()
            if len(lines) > 40 and not args.verbose:
                lines = lines[:40] + [f"... ({len(lines) - 40} more lines: -v shows them)"]
            print("\n".join("    " + l for l in lines), file=out)
