"""`osnet grade DIR`: a class of small fake submissions, one per thing that
can go right or wrong with one, graded in a single run.

The selection (--suite conformance and one requirement each of cat, echo
and threadpool: CAT-008, ECHO-001, TP-001) keeps every submission's check to
about a second; what is under test here is the grading around the checks,
which a larger selection would only make slower.
"""
import csv
import json
import os
import pathlib
import shutil
import subprocess

from osnet_harness import grade
from osnet_harness.timeouts import T

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
OSNET = ["/usr/bin/python3", str(ROOT / "tools" / "osnet")]
# make selftest has installed the packages and built everything.
ENV = dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1")
SELECT = ["--suite", "conformance", "--req", "CAT-008", "--req", "ECHO-001", "--req", "TP-001"]


def program(path):
    assert path.exists(), f"{path} is not built (make all)"
    return path


IN_LIMITS = """#!/bin/sh
[ "$(ulimit -t)" = 77 ] || { echo "CPU limit $(ulimit -t), not 77"; exit 0; }
exec cat "$@"
"""


def write(folder, manifest, files=()):
    folder.mkdir(parents=True)
    if manifest is not None:
        (folder / "osnet.toml").write_text(manifest)
    for name, source in files:
        if isinstance(source, pathlib.Path):
            shutil.copy(source, folder / name)
        else:
            (folder / name).write_text(source)


def make_class(root):
    """One folder per kind of submission; the comment says what its row must show."""
    # Everything right: relative paths mean the submission's own folder.
    write(root / "alice", '[cat]\nimpl = "./mcat"\nname = "alice cat"\n\n'
                          '[echo]\nimpl = "./echo --host {host} --port {port}"\n',
          [("mcat", program(BUILD / "bin" / "mcat")), ("echo", program(BUILD / "bin" / "echo-epoll"))])
    # A program that is there but wrong: CAT-008 fails.
    write(root / "bob", '[cat]\nimpl = "./cat"\n',
          [("cat", program(BUILD / "broken" / "cat" / "b-numbers-blank-lines"))])
    # A command-line tool whose program was never built: refused before any test.
    write(root / "carol", '[cat]\nimpl = "./mcat"\n')
    # A manifest that is not TOML.
    write(root / "dave", '[cat\nimpl = "./mcat"\n')
    # A library that does not compile.
    write(root / "erin", '[threadpool]\nsrc = "pool.c"\n', [("pool.c", "int tp_create(\n")])
    # No manifest at all.
    write(root / "frank", None, [("README", "forgot the manifest\n")])
    # A server whose program is missing: it never starts.
    write(root / "gina", '[echo]\nimpl = "./echo --port {port}"\n')
    # A misspelt component.
    write(root / "hank", '[ehco]\nimpl = "./echo --port {port}"\n')
    # Right only inside the sandbox's limits given to grade (--max-cpu 77).
    write(root / "ivy", '[cat]\nimpl = "./cat"\n', [("cat", IN_LIMITS)])
    (root / "ivy" / "cat").chmod(0o755)


def test_a_class_is_graded_row_by_row(tmp_path):
    make_class(tmp_path / "class")
    out = tmp_path / "grades"
    r = subprocess.run([*OSNET, "grade", str(tmp_path / "class"), "-j", "3", "--out", str(out),
                        "--max-cpu", "77", *SELECT], env=ENV, capture_output=True, text=True, timeout=T(300))
    assert r.returncode == 0, f"grading ran, whatever the grades: exit 0\n{r.stdout}\n{r.stderr}"
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivy"]
    for n in names:  # a progress line as each one ends
        assert f"] {n}: " in r.stdout, r.stdout

    with open(out / "summary.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == names
    assert "| alice | 1/1 | 1/1 | - | 2/2 |" in (out / "summary.md").read_text()

    def cell(name, comp):
        return rows[name][f"{comp} MUST passed"], rows[name][f"{comp} MUST total"]

    assert cell("alice", "cat") == ("1", "1") and cell("alice", "echo") == ("1", "1")
    assert (rows["alice"]["MUST passed"], rows["alice"]["MUST total"]) == ("2", "2")
    assert rows["alice"]["error"] == "" and cell("alice", "threadpool") == ("", "")
    assert cell("bob", "cat") == ("0", "1") and rows["bob"]["error"] == ""
    assert "./mcat not found" in rows["carol"]["error"]
    assert rows["dave"]["error"].startswith("osnet.toml: Expected") and cell("dave", "cat") == ("", "")
    assert cell("erin", "threadpool") == ("0", "1")
    assert "threadpool: did not build" in rows["erin"]["error"]
    assert "no osnet.toml" in rows["frank"]["error"]
    assert cell("gina", "echo") == ("0", "1") and "echo: never started" in rows["gina"]["error"]
    assert "[ehco]: no such component" in rows["hank"]["error"]
    assert cell("ivy", "cat") == ("1", "1"), "the limits given to grade reach the program"

    for n in names:  # every submission has its two reports, checked or not
        results = json.loads((out / n / "results.json").read_text())
        scored = json.loads((out / n / "gradescope.json").read_text())
        assert isinstance(results, list) and results, n
        assert "score" in scored, n
    assert json.loads((out / "alice" / "gradescope.json").read_text())["score"] == 2.0
    assert json.loads((out / "bob" / "gradescope.json").read_text())["score"] == 0.0
    dave = json.loads((out / "dave" / "gradescope.json").read_text())
    assert dave["score"] == 0.0 and "could not check" in dave["output"]
    assert "alice cat" in {r["implementation"] for r in
                           json.loads((out / "alice" / "results.json").read_text())}


def test_the_default_out_folder_is_not_a_submission(tmp_path):
    """Grading twice into DIR/osnet-grades: the second run must neither
    take that folder for a submission nor keep the first run's files."""
    write(tmp_path / "c" / "bob", '[cat]\nimpl = "./cat"\n',
          [("cat", program(BUILD / "broken" / "cat" / "b-numbers-blank-lines"))])
    for _ in range(2):
        r = subprocess.run([*OSNET, "grade", str(tmp_path / "c"), *SELECT], env=ENV,
                           capture_output=True, text=True, timeout=T(120))
        assert r.returncode == 0, r.stdout + r.stderr
        stale = tmp_path / "c" / "osnet-grades" / "bob" / "stale"
        assert not stale.exists()
        stale.write_text("left by the previous grading")
    lines = (tmp_path / "c" / "osnet-grades" / "summary.md").read_text().splitlines()
    assert [l.split("|")[1].strip() for l in lines[2:]] == ["bob"]


def test_usage_errors_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    for argv in ([str(tmp_path / "nothing-here")], [str(tmp_path / "empty")],
                 [str(tmp_path), "-j", "0"], [str(tmp_path), "--max-memory", "lots"]):
        r = subprocess.run([*OSNET, "grade", *argv], env=ENV, capture_output=True, text=True,
                           timeout=T(60))
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
        assert r.stderr.startswith("osnet: "), r.stderr


def test_each_check_gets_the_selection_and_the_limits(tmp_path):
    """What grade hands to each submission's `osnet check`: the selection,
    the reports in the submission's folder of --out, and the sandbox's
    limits given to grade (only those: the others keep check's defaults)."""
    import argparse
    ap = argparse.ArgumentParser()
    grade.add_arguments(ap)
    args = ap.parse_args([str(tmp_path), "--suite", "conformance", "--req", "CAT-008",
                          "--max-cpu", "5", "--max-output", "1M", "--no-netns"])
    sub = grade.Submission(tmp_path / "alice", tmp_path / "out")
    cmd = grade.check_command(sub, args)
    assert cmd[cmd.index("--manifest") + 1] == str(tmp_path / "alice" / "osnet.toml")
    for arg in ("--suite=conformance", "--req=CAT-008",
                f"--json={tmp_path / 'out' / 'alice' / 'results.json'}",
                f"--gradescope={tmp_path / 'out' / 'alice' / 'gradescope.json'}"):
        assert arg in cmd, (arg, cmd)
    env = grade.check_env(args)
    assert (env["OSNET_MAX_CPU"], env["OSNET_MAX_OUTPUT"], env["OSNET_NO_NETNS"]) == ("5", "1M", "1")
    for unset in ("OSNET_MAX_MEMORY", "OSNET_MAX_PROCS", "OSNET_MAX_FILES", "OSNET_MAX_FSIZE"):
        assert env.get(unset) == os.environ.get(unset), unset
