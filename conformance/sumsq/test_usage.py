"""Bad command lines (specs/sumsq.md, "Usage"): status 2, a message,
nothing on stdout, no worker started; the largest N is accepted."""
import pytest

from sumsq.sumsq_util import MAX_N, need_workers, stop, traced_run
from osnet_harness.stracelog import creates_process, creates_thread

BAD = [
    [],
    ["-j", "2", "10"],
    ["--mode", "proc", "10"],
    ["--mode", "proc", "-j", "2"],
    ["--mode", "fork", "-j", "2", "10"],
    ["--mode", "thread", "-j", "2", "10", "11"],
    ["--mode", "proc", "-j", "0", "10"],
    ["--mode", "thread", "-j", "1025", "10"],
    ["--mode", "proc", "-j", "-3", "10"],
    ["--mode", "proc", "-j", "2", "-10"],
    ["--mode", "proc", "-j", "2", str(MAX_N + 1)],
    ["--mode", "thread", "-j", "2", str(2 ** 64)],
    ["--mode", "thread", "-j", "2", str(2 ** 64 + 5)],
    ["--mode", "proc", "-j", "abc", "10"],
    ["--mode", "proc", "-j", "2", "abc"],
    ["--mode", "proc", "-j", "2", "1.5"],
    ["--mode", "proc", "-j", "2", "12abc"],
    ["--mode", "thread", "-j", "2", "1e6"],
    ["--mode", "thread", "-j", "", "10"],
    ["--mode", "thread", "-j", "2", ""],
]


@pytest.mark.req("SUMSQ-006")
def test_usage_errors_exit_2(cli):
    cli.assert_usage_errors(BAD)


@pytest.mark.req("SUMSQ-006")
def test_usage_error_starts_no_worker(cli, workdir):
    for mode in ("proc", "thread"):
        t = traced_run(cli, workdir, ["--mode", mode, "-j", "4", str(MAX_N + 1)])
        assert t.result.status == 2, f"{t.result.describe()}, 2 expected{t.where()}"
        made = [c for c in t.calls if creates_process(c) or creates_thread(c)]
        assert not made, (f"--mode {mode}: {len(made)} workers started before refusing N: "
                          f"{made[0].line}{t.where()}")


@pytest.mark.req("SUMSQ-007")
def test_largest_n_accepted(cli):
    p = cli.start(["--mode", "proc", "-j", "2", str(MAX_N)])
    try:
        need_workers(p, 2, f"N = {MAX_N} (the largest allowed) was refused or finished at once")
    finally:
        stop(p)
