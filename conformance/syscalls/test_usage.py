"""Bad command lines (specs/syscalls.md, SYSC-013): status 2, a message,
nothing on stdout, FILE not opened."""
import pytest

from syscalls.sysc_util import Sequence, traced


@pytest.mark.req("SYSC-013")
def test_usage_errors_exit_2(cli, workdir):
    f = workdir / "in.txt"
    f.write_bytes(b"data\n")
    g = workdir / "other.txt"
    g.write_bytes(b"more\n")
    cases = [
        [],
        [str(f), str(g)],
        ["--frobnicate", str(f)],
        ["--sleep-ms"],
        [str(f), "--sleep-ms"],
        ["--sleep-ms", "-5", str(f)],
        ["--sleep-ms", "1.5", str(f)],
        ["--sleep-ms", "abc", str(f)],
        ["--sleep-ms", "", str(f)],
        ["--sleep-ms", "12abc", str(f)],
    ]
    for args in cases:
        r = cli.run(args)
        problems = r.usage_error_problems(2)
        assert not problems, (f"usage error {args}: " + "; ".join(problems)
                              + f"\n  reproduce: {r.repro()}")


@pytest.mark.req("SYSC-013")
def test_usage_error_does_not_open_file(cli, workdir):
    f = workdir / "in.txt"
    f.write_bytes(b"data\n")
    run = traced(cli, workdir, ["--sleep-ms", "abc", str(f)])
    seq = Sequence(run.calls, f, cwd=run.result.cwd)
    assert run.result.status == 2, f"{run.result.describe()}, 2 expected{run.where()}"
    assert not seq.opens, f"FILE opened despite the usage error: {seq.opens[0].line}{run.where()}"
    assert not seq.sleeps, f"a sleep despite the usage error: {seq.sleeps[0].line}{run.where()}"
