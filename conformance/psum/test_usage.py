"""Bad command lines (specs/psum.md, "Usage"): status 2, a message,
nothing on stdout, no thread started."""
import pytest

from psum.psum_util import MAX_N, traced
from osnet_harness.stracelog import creates_process, creates_thread

BAD = [
    [],
    ["10"],
    ["-j", "2"],
    ["-j"],
    ["-j", "2", "10", "11"],
    ["-j", "0", "10"],
    ["-j", "1025", "10"],
    ["-j", "-3", "10"],
    ["-j", "2", "-10"],
    ["-j", "2", str(MAX_N + 1)],
    ["-j", "2", str(2 ** 65)],
    ["-j", "2", "99999999999999999999999999"],
    ["-j", "abc", "10"],
    ["-j", "2", "abc"],
    ["-j", "2", "1.5"],
    ["-j", "2", "12abc"],
    ["-j", "2", "1e6"],
    ["-j", "2", " 7"],
    ["-j", "2", "0x10"],
    ["-j", "", "10"],
    ["-j", "2", ""],
]


@pytest.mark.req("PSUM-006")
def test_usage_errors_exit_2(cli):
    cli.assert_usage_errors(BAD)


@pytest.mark.req("PSUM-006")
def test_usage_error_starts_no_thread(cli, workdir):
    for argv in (["-j", "4", str(MAX_N + 1)], ["-j", "1025", "10"]):
        s = traced(cli, workdir, argv)
        assert s.result.status == 2, f"{argv}: {s.result.describe()}, 2 expected{s.where()}"
        made = [c for c in s.calls if creates_process(c) or creates_thread(c)]
        assert not made, f"{argv}: {len(made)} threads started before refusing: " \
                         f"{made[0].line}{s.where()}"
