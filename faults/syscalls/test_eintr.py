"""A sleep interrupted by a signal goes on for the time that remains
(specs/syscalls.md, SYSC-009). strace injects EINTR into the first sleep
call: the kernel does not run it, so nothing is really "remaining"; the
test checks the program sleeps again, for no more than it asked, and then
finishes as usual."""
import pytest

from syscalls.sysc_util import SLEEPS, Sequence, sleep_bound_problem, traced


@pytest.mark.req("SYSC-009")
def test_sleep_resumes_after_eintr(cli, workdir):
    data = b"interrupted but not beaten\n"
    path = workdir / "in.txt"
    path.write_bytes(data)
    ms = 300
    run = traced(cli, workdir, ["--sleep-ms", str(ms), str(path)],
                 injections=[",".join(SLEEPS) + ":error=EINTR:when=1"])
    r = run.result
    seq = Sequence(run.calls, path, cwd=r.cwd)
    where = f"\n  strace:\n      {run.excerpt(seq.relevant())}{run.where()}"
    hit = [c for c in seq.sleeps if c.injected]
    if not hit:
        pytest.skip("strace injected no EINTR: the program made no clock_nanosleep/nanosleep "
                    "call (SYSC-006 fails for it)")
    first = hit[0]
    assert r.status == 0, \
        f"an EINTR during the sleep ended the program: {r.describe()}, " \
        f"stderr {r.stderr[-300:]!r}{where}"
    assert r.stdout == data, f"stdout is not FILE's content after the EINTR{where}"
    later = [c for c in seq.sleeps if c.index > first.index]
    assert later, f"no sleep call after the one that failed with EINTR: the sleep was cut short{where}"
    good = [c for c in later if c.ok()]
    assert good, f"no successful sleep call after the EINTR{where}"
    for c in later:
        problem = sleep_bound_problem(c, ms, first)
        assert problem is None, f"{problem}: {c.line}{where}"
    if seq.writes:
        assert seq.writes[0].index > good[0].index, \
            f"stdout written before the resumed sleep ended{where}"
