"""`osnet check --repeat N`: the flake hunter counts, per test, how often
it failed, and keeps the first failure's reason and artifacts.

A flaky program is made on the spot: a cat that is wrong on the first call
of the whole hunt only (mkdir is atomic, so of calls running at once
exactly one wins), and right on every other. Its one test must then fail
in exactly one of N runs, whichever run made that first call. The
selection is one cheap requirement (--suite conformance --req CAT-008:
about a second per run), since what is checked is the counting around the
runs.
"""
import json
import os
import pathlib
import subprocess

from osnet_harness.timeouts import T

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
OSNET = ["/usr/bin/python3", str(ROOT / "tools" / "osnet")]
ENV = dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1")
SELECT = ["--suite", "conformance", "--req", "CAT-008"]
NODE = "conformance/cat/test_lines.py::test_number_nonblank"


def osnet(*argv, timeout=120):
    return subprocess.run([*OSNET, *argv], env=ENV, capture_output=True, text=True,
                          timeout=T(timeout))


def flaky_cat(folder):
    prog = folder / "flaky-cat"
    prog.write_text(f"""#!/bin/sh
# Wrong once: on the first call of all, whichever run makes it.
if mkdir {folder / 'first-call'} 2>/dev/null; then echo garbage; exit 0; fi
exec cat "$@"
""")
    prog.chmod(0o755)
    return prog


def test_a_flaky_test_fails_once_in_n_runs(tmp_path):
    prog = flaky_cat(tmp_path)
    report = tmp_path / "repeat.json"
    arts = tmp_path / "artifacts"
    r = osnet("check", "cat", "--impl", str(prog), *SELECT, "--repeat", "3", "-j", "2",
              "--json", str(report), "--artifacts", str(arts))
    assert r.returncode == 1, f"failed once: exit 1\n{r.stdout}\n{r.stderr}"
    (impl,) = json.loads(report.read_text())
    assert impl["repeat"] == 3 and impl["unfinished"] == []
    (test,) = [t for t in impl["tests"] if t["nodeid"] == NODE]
    assert (test["runs"], test["failures"]) == (3, 1), test
    first = test["first_failure"]
    assert "CAT-008" in first["message"] and "differs" in first["message"], first
    assert first["artifacts"].endswith(f"run-{first['run']:03d}")
    assert pathlib.Path(first["artifacts"]).is_dir()
    # The table: one row per test, with its rate and the first reason.
    row = next(l for l in r.stdout.splitlines() if NODE in l and "run " in l)
    assert row.split()[:3] == ["3", "1", "33%"], row
    assert f"run {first['run']}: CAT-008" in row, row


def test_steady_and_broken_programs(tmp_path):
    """Through a manifest, two implementations at once: a correct cat
    passes every run (its passing runs leave no artifacts), a broken one
    fails every run."""
    (tmp_path / "osnet.toml").write_text(f"""[cat]
impl = [
  {{ name = "good", impl = "{BUILD / 'bin' / 'mcat'}" }},
  {{ name = "bad", impl = "{BUILD / 'broken' / 'cat' / 'b-numbers-blank-lines'}" }},
]
""")
    report = tmp_path / "repeat.json"
    r = osnet("check", "--manifest", str(tmp_path / "osnet.toml"), *SELECT, "--repeat", "2",
              "-j", "2", "--json", str(report))
    assert r.returncode == 1, r.stdout + r.stderr
    by_name = {i["implementation"]: i for i in json.loads(report.read_text())}
    good = {t["nodeid"]: t for t in by_name["good"]["tests"]}[NODE]
    bad = {t["nodeid"]: t for t in by_name["bad"]["tests"]}[NODE]
    assert (good["runs"], good["failures"], good["first_failure"]) == (2, 0, None)
    assert (bad["runs"], bad["failures"]) == (2, 2)
    assert bad["first_failure"]["run"] in (1, 2)


def test_all_well_exits_0_and_cleans_up(tmp_path):
    report = tmp_path / "repeat.json"
    r = osnet("check", "cat", "--impl", str(BUILD / "bin" / "mcat"), *SELECT, "--repeat", "2",
              "-q", "--json", str(report))
    assert r.returncode == 0, r.stdout + r.stderr
    (impl,) = json.loads(report.read_text())
    assert [(t["runs"], t["failures"]) for t in impl["tests"]] == [(2, 0)]
    assert "passed every run" in r.stdout
    assert "kept in" not in r.stdout  # no failing run, no artifacts to keep


def test_usage_errors_exit_2(tmp_path):
    mcat = str(BUILD / "bin" / "mcat")
    for argv in (["--repeat", "0"], ["--repeat", "2", "--junit", str(tmp_path / "j")],
                 ["--repeat", "2", "--gradescope", str(tmp_path / "g.json")]):
        r = osnet("check", "cat", "--impl", mcat, *SELECT, *argv, timeout=60)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
    # A program that is not there: refused before the first run.
    r = osnet("check", "cat", "--impl", str(tmp_path / "missing"), *SELECT, "--repeat", "3",
              timeout=60)
    assert r.returncode == 2 and "missing" in r.stderr, r.stdout + r.stderr
