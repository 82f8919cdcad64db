"""How a run behaves (specs/locality.md): memory it cannot have, stderr
quiet or verbose, the time budget per point, a stdout that fails."""
import shutil
import time

import pytest

from locality.loc_util import check_points, points, run_ok, small, table, KIB

# An address-space limit under which a 4K run works and an 8G one cannot.
AS_LIMIT = 2 << 30


@pytest.mark.req("LOC-008")
def test_memory_refused_before_any_output(cli):
    if not shutil.which("prlimit"):
        pytest.skip("prlimit (util-linux) is not installed")
    wrap = ["prlimit", f"--as={AS_LIMIT}", "--"]
    r = cli.run(small(min_size="4K", max_size="4K", max_stride=1), wrap=wrap)
    if r.status != 0:
        pytest.skip(f"the program does not run under a {AS_LIMIT >> 30} GiB address-space limit "
                    f"even with a 4K set ({r.describe()}, stderr {r.stderr[-200:]!r}): its "
                    f"runtime needs more, so a refused allocation cannot be told apart")
    r = cli.run(small(min_size="4K", max_size="8G", max_stride=1), wrap=wrap)
    where = f"\n  reproduce: {r.repro()}"
    assert r.status == 1, f"--max-size 8G under prlimit --as={AS_LIMIT}: {r.describe()}, " \
                          f"1 expected; stderr {r.stderr[-300:]!r}{where}"
    assert not r.stdout, f"--max-size 8G, memory refused: stdout should be empty, got " \
                         f"{r.stdout[:200]!r} (the memory comes before the header){where}"
    assert r.stderr.strip(), f"--max-size 8G, memory refused: no message on stderr{where}"


@pytest.mark.req("LOC-009")
def test_quiet_stderr_without_v(cli):
    for argv in (small(), small(max_size="8K", no_random=True)):
        r = run_ok(cli, argv)
        assert r.stderr == b"", (f"{' '.join(argv)}: stderr is a pipe and there is no -v, yet "
                                 f"the program wrote {r.stderr[:300]!r}\n  reproduce: {r.repro()}")


@pytest.mark.req("LOC-010")
def test_verbose(cli):
    argv = small(max_size="4K")
    want = points(KIB, 4 * KIB, 2)
    for flag in ("-v", "--verbose"):
        r = run_ok(cli, argv + [flag])
        check_points(table(r), want, " ".join(argv + [flag]))
        assert r.stderr.strip(), f"{' '.join(argv + [flag])}: no progress on stderr\n  " \
                                 f"reproduce: {r.repro()}"
    check_points(table(run_ok(cli, argv)), want, " ".join(argv))


@pytest.mark.req("LOC-011")
def test_each_point_takes_its_time(cli):
    # 2 sizes x (2 strides + random) = 6 points of 200 ms: at least 1.2 s,
    # however fast the machine. Slowness never fails this.
    argv = small(time=200)
    t0 = time.monotonic()
    r = run_ok(cli, argv)
    took = time.monotonic() - t0
    check_points(table(r), points(KIB, 2 * KIB, 2), " ".join(argv))
    assert took >= 1.2, (f"{' '.join(argv)}: 6 points of at least 200 ms each took "
                         f"{took:.3f} s in all\n  reproduce: {r.repro()}")


@pytest.mark.req("LOC-012")
def test_stdout_write_error(cli):
    r = cli.run(small(), stdout="/dev/full")
    where = f"\n  reproduce: {r.repro()}"
    assert r.status == 1, f"stdout /dev/full: {r.describe()}, 1 expected; stderr " \
                          f"{r.stderr[-300:]!r}{where}"
    assert r.stderr.strip(), f"stdout /dev/full: no message on stderr{where}"
