"""The pool's threads as strace -f sees them (specs/psum.md, "Threads"):
K workers alive at once, no process, every thread ended before the
program."""
import pytest

from psum.psum_util import MAX_N, expected, traced

RUNS = [(k, n) for k in (1, 4, 16) for n in (0, 10, MAX_N)]


@pytest.mark.req("PSUM-007")
def test_k_workers_at_once(cli, workdir):
    for k, n in RUNS:
        s = traced(cli, workdir, ["-j", str(k), str(n)])
        r = s.result
        assert r.status == 0 and r.stdout == f"{expected(n)}\n".encode(), \
            f"-j {k} {n}: {r.describe()}, stdout {r.stdout[:100]!r}{s.where()}"
        assert not s.processes, \
            f"-j {k} {n}: {len(s.processes)} processes created: {s.processes[0].line}{s.where()}"
        assert len(s.created) >= k, \
            f"-j {k} {n}: {len(s.created)} threads created, at least {k} expected{s.where()}"
        assert s.most_alive >= k, \
            (f"-j {k} {n}: {len(s.created)} threads created, but at most {s.most_alive} of "
             f"them alive at once: the pool's {k} workers run side by side{s.where()}")


@pytest.mark.req("PSUM-008")
def test_every_thread_ends_first(cli, workdir):
    for k, n in RUNS:
        s = traced(cli, workdir, ["-j", str(k), str(n)])
        assert s.result.status == 0, f"-j {k} {n}: {s.result.describe()}{s.where()}"
        assert s.created, f"-j {k} {n}: no thread created{s.where()}"
        assert not s.unended, \
            (f"-j {k} {n}: threads {s.unended} never made their own exit call before the "
             f"program's exit_group: not joined (the pool is shut down and destroyed "
             f"before the program ends){s.where()}")
