"""How a run behaves (specs/locality.md): memory it cannot have, stderr
quiet or verbose, the time budget per point, a stdout that fails."""
import shlex
import shutil
import sys

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


# Runs the program and writes how long it lived, from its start to its
# exit, to the file its first argument names: a run timed by the test
# itself would also count the harness's own work and waits (the sandbox,
# the pipes), which on a loaded machine take seconds of their own.
LIFETIME = """
import os, signal, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status = os.waitpid(pid, 0)
took = time.monotonic() - t0
with open(out, "w") as f:
    f.write(repr(took))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"""


@pytest.mark.req("LOC-011")
def test_each_point_takes_its_time(cli, tmp_path):
    # 2 sizes x (2 strides + random) = 6 points of 500 ms: at least 3 s,
    # however fast the machine. Slowness never fails this; what it must
    # not do is hide a program that ignores --time, which needs a
    # millisecond of CPU: a bound of seconds on the program's own life
    # (not the harness's) keeps that true even when it gets 1% of a core.
    ms, n = 500, 6
    argv = small(time=ms)
    out = tmp_path / "lifetime"
    r = run_ok(cli, argv, wrap=[sys.executable, "-c", LIFETIME, str(out)])
    took = float(out.read_text())
    check_points(table(r), points(KIB, 2 * KIB, 2), " ".join(argv))
    assert took >= n * ms / 1000, (
        f"{' '.join(argv)}: {n} points of at least {ms} ms each, yet the program ran for "
        f"{took:.3f} s from its start to its exit\n  reproduce: cd {shlex.quote(r.cwd)} && "
        f"time {shlex.join(cli.argv(argv))} > /dev/null")


@pytest.mark.req("LOC-012")
def test_stdout_write_error(cli):
    r = cli.run(small(), stdout="/dev/full")
    where = f"\n  reproduce: {r.repro()}"
    assert r.status == 1, f"stdout /dev/full: {r.describe()}, 1 expected; stderr " \
                          f"{r.stderr[-300:]!r}{where}"
    assert r.stderr.strip(), f"stdout /dev/full: no message on stderr{where}"
