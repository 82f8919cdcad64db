"""`osnet grade DIR`: a whole class at once.

Every folder of DIR is one submission, graded by running
`osnet check --manifest DIR/<name>/osnet.toml` on it in a process of its
own: the same checks, sandbox and limits a learner gets from `osnet check`,
so a submission that hangs, floods or forks without end harms its own row
and nothing else. N submissions run at a time (-j), a progress line is
printed as each ends, and the grades end up in --out (default
DIR/osnet-grades):

    summary.md, summary.csv     one row per submission: MUST passed/total per
                                component, the total, and what went wrong
                                (a manifest that cannot be read, a program
                                that is not there, processes left behind)
    <name>/results.json         osnet check --json
    <name>/gradescope.json      osnet check --gradescope (a score of 0 and
                                the reason when the submission could not be
                                checked at all)
    <name>/check.log            everything osnet check printed
    <name>/artifacts/           its logs and captures

Grading never stops at a broken submission: whatever goes wrong is that
submission's row. Exit status 0 when grading ran, whatever the grades; 2
on a usage error (no such DIR, nothing to grade).
"""
# Stdlib only, like tools/osnet: it runs before install-deps has.
import concurrent.futures
import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time

from . import sandbox
from .specs import ROOT

PY = "/usr/bin/python3"
OSNET = ROOT / "tools" / "osnet"
MANIFEST = "osnet.toml"


def add_arguments(gp):
    """The options of `osnet grade` (tools/osnet only dispatches here)."""
    gp.add_argument("dir", metavar="DIR",
                    help="one folder per submission, each with an osnet.toml manifest")
    gp.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                    help="grade N submissions at once (default 1)")
    gp.add_argument("--out", metavar="DIR", help="where the grades go (default DIR/osnet-grades)")
    gp.add_argument("--suite", help="comma-separated subset of conformance,faults,pcap "
                                    "(default: all)")
    gp.add_argument("--req", action="append", default=[], metavar="ID",
                    help="only the tests citing this requirement (repeatable)")
    gp.add_argument("-k", metavar="EXPR", help="pytest -k expression to select tests")
    gp.add_argument("--timeout-multiplier", type=float,
                    help="scale every timeout (same as OSNET_TIMEOUT_MULTIPLIER)")
    # The same limits as osnet check's; each check gets them through the
    # environment (OSNET_MAX_CPU...), as check itself hands them to pytest.
    sandbox.add_arguments(gp)


class Submission:
    def __init__(self, folder, out):
        self.name = folder.name
        self.folder = folder
        self.manifest = folder / MANIFEST
        self.out = out / self.name
        self.error = None        # why it could not be checked, or a check that did not finish
        self.cells = {}          # component -> [MUST passed, MUST total]
        self.notes = []          # per component: did not build, never became ready, ...
        self.left_behind = []    # processes its programs left running
        self.seconds = 0.0

    def total(self):
        return [sum(c[0] for c in self.cells.values()), sum(c[1] for c in self.cells.values())]


def find_submissions(root, out):
    """Every folder of root but the output folder and hidden ones: one
    without a manifest is a submission too (its row says what is missing),
    so that no learner silently drops out of the table."""
    subs = []
    for d in sorted(root.iterdir()):
        if not d.is_dir() or d.name.startswith(".") or d.resolve() == out.resolve():
            continue
        subs.append(Submission(d, out))
    return subs


def check_command(sub, args):
    cmd = [PY, str(OSNET), "check", "--manifest", str(sub.manifest), "-q",
           f"--json={sub.out / 'results.json'}", f"--gradescope={sub.out / 'gradescope.json'}",
           f"--artifacts={sub.out / 'artifacts'}"]
    if args.suite:
        cmd.append(f"--suite={args.suite}")
    cmd += [f"--req={r}" for r in args.req]
    if args.k:
        cmd += ["-k", args.k]
    if args.timeout_multiplier:
        cmd.append(f"--timeout-multiplier={args.timeout_multiplier}")
    return cmd


def check_env(args):
    """The environment of every submission's check: the packages and the
    build are there already (grade prepared them once), and the sandbox's
    limits are the ones given to grade (ValueError for a bad one)."""
    return dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1",
                **sandbox.env_from_args(args))


def last_complaint(log):
    """What osnet said when it refused the submission: its last 'osnet: ...'
    line (a manifest it cannot read, a program that is not there)."""
    lines = [l.strip() for l in log.splitlines() if l.strip()]
    said = [l for l in lines if l.startswith("osnet: ")]
    if said:
        return said[-1][len("osnet: "):]
    return lines[-1] if lines else "(no output)"


def first_words(message, width=160):
    """A failure message in a table cell: its first line, and the first
    line that says 'error' (a compiler's) when that is another one."""
    lines = [l.strip() for l in message.strip().splitlines() if l.strip()] or ["(no message)"]
    err = next((l for l in lines[1:] if "error" in l.lower()), None)
    text = lines[0] + (" " + err if err else "")
    return text if len(text) <= width else text[:width - 3] + "..."


def read_results(sub):
    """Fill a submission's cells and notes from osnet check's JSON."""
    for run in json.loads((sub.out / "results.json").read_text()):
        comp = run["component"]
        reqs = run.get("requirements", [])
        must = [r for r in reqs if r["level"] == "MUST"]
        passed = sum(1 for r in must if r["status"] == "PASS")
        total = sum(1 for r in must if r["status"] in ("PASS", "FAIL"))
        cell = sub.cells.setdefault(comp, [0, 0])
        cell[0] += passed
        cell[1] += total
        if run.get("error"):
            sub.notes.append(f"{comp}: {run['error'].splitlines()[0]}")
        failed = [t for r in reqs for t in r["tests"] if t["outcome"] in ("failed", "error")]
        if failed and not passed and all(t.get("failure_kind") == "launch" for t in failed):
            what = "did not build" if run.get("template") is None and run.get("addr") is None \
                else "never started"
            sub.notes.append(f"{comp}: {what} ({first_words(failed[0]['message'])})")
        # "pid cmdline" of each process still running after pytest ended
        # (osnet check has killed them): a daemon the harness never saw.
        sub.left_behind += run.get("left_behind") or []


def grade_one(sub, args, env):
    """Check one submission; whatever goes wrong ends up in its row."""
    t0 = time.monotonic()
    if sub.out.exists():
        shutil.rmtree(sub.out)  # a previous grading's files must not be taken for this one's
    sub.out.mkdir(parents=True)
    if not sub.manifest.is_file():
        sub.error = f"no {MANIFEST} in its folder"
    else:
        log_path = sub.out / "check.log"
        with open(log_path, "w") as log:
            rc = subprocess.run(check_command(sub, args), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT).returncode
        log = log_path.read_text(errors="replace")
        if (sub.out / "results.json").exists():
            try:
                read_results(sub)
            except (ValueError, KeyError, TypeError) as e:
                sub.error = f"unreadable results.json: {e}"
        if rc not in (0, 1) and not sub.error:
            if not (sub.out / "results.json").exists():
                # Refused before any test ran (usage error): osnet said why.
                sub.error = last_complaint(log)
            elif rc != 2:
                sub.error = f"osnet check exited with status {rc} (see {log_path})"
    if sub.error and not (sub.out / "gradescope.json").exists():
        # The autograder still gets a result, with the reason as its output.
        (sub.out / "gradescope.json").write_text(json.dumps(
            {"score": 0.0, "output": f"osnet could not check this submission: {problems(sub)}",
             "tests": [], "visibility": "visible"}, indent=1))
    if sub.error and not (sub.out / "results.json").exists():
        (sub.out / "results.json").write_text(json.dumps(
            [{"component": None, "implementation": sub.name, "error": sub.error,
              "requirements": []}], indent=1))
    sub.seconds = time.monotonic() - t0
    return sub


def fraction(cell):
    return f"{cell[0]}/{cell[1]}" if cell else "-"


def problems(sub):
    """The error column: why it could not be checked, else each run's note,
    with the submission's own folder left out of the paths (the row says
    whose they are)."""
    text = "; ".join(([sub.error] if sub.error else []) + sub.notes)
    text = text.replace(f"--manifest {sub.manifest}", MANIFEST)
    return text.replace(f"{sub.folder}/", "").replace(str(sub.folder), ".")


def progress_line(i, n, sub):
    if sub.error:
        what = f"ERROR: {problems(sub)}"
    else:
        what = "  ".join(f"{c} {fraction(v)}" for c, v in sorted(sub.cells.items()))
        what += f"  total {fraction(sub.total())}"
        if sub.notes:
            what += f"  ({problems(sub)})"
    if sub.left_behind:
        what += f"  left behind: {len(sub.left_behind)}"
    return f"[{i}/{n}] {sub.name}: {what} ({sub.seconds:.0f}s)"


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_summary(subs, out):
    """summary.md for people, summary.csv for a spreadsheet (passed and
    total in columns of their own: a cell "5/7" would be read as a date)."""
    comps = sorted({c for s in subs for c in s.cells})
    head = ["submission", *comps, "total", "left behind", "error"]
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in subs:
        row = [s.name, *(fraction(s.cells.get(c)) for c in comps),
               fraction(s.total()) if s.cells else "-",
               "; ".join(s.left_behind), problems(s)]
        md.append("| " + " | ".join(md_cell(x) for x in row) + " |")
    text = "\n".join(md) + "\n"
    (out / "summary.md").write_text(text)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", *(f"{c} {k}" for c in comps for k in ("MUST passed", "MUST total")),
                    "MUST passed", "MUST total", "left behind", "error"])
        for s in subs:
            cells = [v for c in comps for v in (s.cells.get(c) or ["", ""])]
            tot = s.total() if s.cells else ["", ""]
            w.writerow([s.name, *cells, *tot, "; ".join(s.left_behind), problems(s)])
    return text


def main(args, prepare):
    """`osnet grade`: prepare (packages, build) once, then every submission."""
    root = pathlib.Path(args.dir)
    if not root.is_dir():
        print(f"osnet: grade: {args.dir}: no such folder", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("osnet: grade: -j needs a number of at least 1", file=sys.stderr)
        return 2
    try:
        env = check_env(args)
    except ValueError as e:
        print(f"osnet: grade: {e}", file=sys.stderr)
        return 2
    out = pathlib.Path(args.out) if args.out else root / "osnet-grades"
    root, out = root.resolve(), out.resolve()
    subs = find_submissions(root, out)
    if not subs:
        print(f"osnet: grade: {args.dir}: no submission folders in it", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    prepare(True)
    started = time.monotonic()
    print(f"grading {len(subs)} submission(s) in {root}, {min(args.jobs, len(subs))} at a time",
          flush=True)
    lock = threading.Lock()
    done = [0]

    def job(sub):
        try:
            grade_one(sub, args, env)
        except OSError as e:  # its folder vanished, the disk filled: its row says so
            sub.error = f"could not grade: {e}"
        with lock:
            done[0] += 1
            print(progress_line(done[0], len(subs), sub), flush=True)

    with concurrent.futures.ThreadPoolExecutor(min(args.jobs, len(subs))) as ex:
        list(ex.map(job, subs))
    text = write_summary(subs, out)
    print()
    print(f"Summary ({time.monotonic() - started:.0f}s): MUST requirements passed/total")
    print(text, end="")
    print(f"\ngrades in {out}/summary.md and summary.csv; each submission's reports in "
          f"{out}/<name>/")
    return 0
