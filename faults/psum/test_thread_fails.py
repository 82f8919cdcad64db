"""A worker thread cannot be created (specs/psum.md, PSUM-009): strace
makes the second thread-creating clone/clone3 fail with EAGAIN. tp_create
must return the error, having joined the worker it started; the program
says so, prints no sum, exits 1."""
import pytest

from psum.psum_util import MAX_N, traced


@pytest.mark.req("PSUM-009")
def test_second_thread_cannot_start(cli, workdir):
    s = traced(cli, workdir, ["-j", "4", str(MAX_N)],
               injections=["clone,clone3:error=EAGAIN:when=2"])
    r = s.result
    if not s.strace.injected():
        pytest.skip("strace injected no EAGAIN: the program made fewer than two clone/clone3 "
                    "calls (a runtime that creates threads another way)")
    problems = []
    if r.status != 1:
        problems.append(f"{r.describe()}, exit status 1 expected")
    if r.stdout:
        problems.append(f"stdout not empty: {r.stdout[:100]!r}")
    if b"Resource temporarily unavailable" not in r.stderr:
        problems.append(f"no 'Resource temporarily unavailable' on stderr: {r.stderr[-300:]!r}")
    if s.unended:
        problems.append(f"threads {s.unended} never made their own exit call before the "
                        f"program's exit_group: the pool's workers were not joined")
    assert not problems, "; ".join(problems) + s.where()
