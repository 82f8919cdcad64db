"""The sleep between reading FILE and printing it (specs/syscalls.md,
"The sleep"): its argument as strace shows it, never how long it took."""
import pytest

from syscalls.sysc_util import Sequence, sleep_problem, traced


def run_with(cli, workdir, args, data=b"sleep test\n"):
    path = workdir / "in.txt"
    path.write_bytes(data)
    run = traced(cli, workdir, args + [str(path)])
    seq = Sequence(run.calls, path, cwd=run.result.cwd)
    where = (f"\n  strace:\n      {run.excerpt(seq.relevant())}{run.where()}")
    assert run.result.status == 0, \
        f"{run.result.describe()}, stderr {run.result.stderr[-300:]!r}{where}"
    assert run.result.stdout == data, f"stdout is not FILE's content{where}"
    return run, seq, where


def check_one_sleep(seq, ms, run, where, optional=False):
    """SYSC-006: after close(F), before stdout: calls failing with EINTR,
    then exactly one successful sleep, asking for ms."""
    good = [c for c in seq.sleeps if c.ok()]
    bad = [c for c in seq.sleeps if not c.ok() and c.err != "EINTR"]
    assert not bad, f"a sleep call failed: {bad[0].line}{where}"
    if optional and not good:
        return
    assert len(good) == 1, \
        f"{len(good)} successful clock_nanosleep/nanosleep calls, one expected{where}"
    sleep = good[0]
    if seq.close is not None:
        assert sleep.index > seq.close.index, f"the sleep comes before close(F){where}"
    if seq.writes:
        assert sleep.index < seq.writes[0].index, f"stdout is written before the sleep{where}"
    problem = sleep_problem(sleep, ms, run)
    assert problem is None, f"--sleep-ms {ms}: {problem}: {sleep.line}{where}"


@pytest.mark.req("SYSC-006")
def test_sleep_argument_is_sleep_ms(cli, workdir):
    for ms in (7, 1234):
        run, seq, where = run_with(cli, workdir, ["--sleep-ms", str(ms)])
        check_one_sleep(seq, ms, run, f" (--sleep-ms {ms}){where}")


@pytest.mark.req("SYSC-006")
def test_sleep_zero(cli, workdir):
    run, seq, where = run_with(cli, workdir, ["--sleep-ms", "0"])
    check_one_sleep(seq, 0, run, f" (--sleep-ms 0){where}", optional=True)


@pytest.mark.req("SYSC-007")
def test_default_sleep_is_100ms(cli, workdir):
    run, seq, where = run_with(cli, workdir, [])
    check_one_sleep(seq, 100, run, f" (no --sleep-ms){where}")


@pytest.mark.req("SYSC-008")
def test_nothing_written_before_the_sleep(cli, workdir):
    run, seq, where = run_with(cli, workdir, ["--sleep-ms", "30"], data=b"x" * 5000)
    sleep = seq.good_sleep()
    assert sleep is not None, f"no successful sleep call{where}"
    early = [c for c in seq.writes if c.index < sleep.index]
    assert not early, f"stdout written before the sleep: {early[0].line}{where}"
