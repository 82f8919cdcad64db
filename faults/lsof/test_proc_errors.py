"""LSOF-014..016 under injected errors: strace -f -P PATH -e inject=...
makes the calls on one /proc path fail; every test checks in strace's log
that it did (INJECTED), and skips, saying why, when the program never made
the call. A call may name its file in full or relative to a descriptor of
its directory (readlinkat(FD_OF_/proc/PID/fd, "10")): inject.aim() finds
the one aimed at in a first run, and the second run fails only it.

Expectations:
- /proc cannot be opened (EACCES) or its first getdents64 fails (EIO),
  no operands: a message, no descriptor line, exit 1 (LSOF-016);
- /proc/PID/fd cannot be opened (EACCES): `PROG: /proc/PID/fd: Permission
  denied`, the other operands listed, exit 1 (LSOF-015);
- readlink of /proc/PID/fd/FD fails (EACCES, EIO): a message naming
  /proc/PID/fd/FD, the other descriptors listed, exit 1 (LSOF-015);
- the same with ENOENT (a process that ended, a descriptor just closed):
  silence, the rest listed, exit 0 (LSOF-014).

Descriptors the tests aim at are pipe ends: strace -P resolves a path
that is a symbolic link to a file and says so on the program's stderr; a
pipe's link resolves to nothing.
"""
import re

import pytest

from inject import Strace, aim
from lsof.lsoftools import Output, check_whole_run, expected

READLINK = "readlink,readlinkat"


def run(cli, workdir, name, args, injections, paths):
    d = workdir / name
    d.mkdir()
    st = Strace(d, injections, paths=paths)
    out = Output(cli.run([str(a) for a in args], wrap=st.wrap()))
    return out, st


def require_injected(st, what):
    if not st.injected():
        pytest.skip(f"the program never made the call to fail ({what}); strace log: {st.log}")


def injected_fds(st, pid):
    """Descriptor numbers whose readlink strace failed."""
    fds = set()
    for line in st.log.read_text(errors="replace").splitlines():
        if "(INJECTED)" in line:
            m = re.search(rf'"(?:/proc/{pid}/fd/)?(\d+)"', line)
            if m:
                fds.add(int(m.group(1)))
    return fds


@pytest.mark.req("LSOF-016")
@pytest.mark.parametrize("inj", ["openat,open:error=EACCES",
                                 "getdents64,getdents:error=EIO:when=1"])
def test_proc_cannot_be_listed(cli, workdir, inj):
    out, st = run(cli, workdir, "x", [], [inj], ["/proc"])
    require_injected(st, f"{inj} on /proc")
    r = out.r
    assert r.status == 1 and r.stderr and not out.rows, (
        f"with {inj} on /proc, no operands: the program should write a message on stderr, "
        f"print no descriptor line and exit 1; {r.describe()}, stderr {r.stderr[:300]!r}, "
        f"{len(out.rows)} line(s){out.where()}")


def aimed(cli, workdir, args, syscalls, err, path, directory):
    """inject.aim(): the injection failing the one call among `syscalls` on
    `path`, named in full or relative to a descriptor of `directory`, and
    the paths for strace -P; skips when the program makes no such call."""
    got = aim(lambda wrap: cli.run([str(a) for a in args], wrap=wrap), workdir, syscalls, err,
              path, directory)
    if isinstance(got, str):
        pytest.skip(got)
    return got


@pytest.mark.req("LSOF-015")
def test_fd_directory_denied(cli, procs, workdir):
    a, b, c = procs.holder(), procs.holder(), procs.holder()
    path = f"/proc/{b.pid}/fd"
    args = [a.pid, b.pid, c.pid]
    inj, paths = aimed(cli, workdir, args, "openat,open", "EACCES", path, f"/proc/{b.pid}")
    out, st = run(cli, workdir, "x", args, inj, paths)
    require_injected(st, f"{inj[0]} on {path}")
    r = out.r
    assert r.status == 1 and f"{path}: Permission denied".encode() in r.stderr, (
        f"with {inj[0]} on {path}: the program should say '{path}: Permission denied' on "
        f"stderr and exit 1; {r.describe()}, stderr {r.stderr[:300]!r}{out.where()}")
    assert not out.problems, "\n".join(out.problems[:3]) + out.where()
    for h in (a, c):
        out.check_process(h.pid, expected(h.pid), f"listed although {path} failed")
    assert not out.of(b.pid), f"lines for {b.pid}, whose {path} failed{out.where()}"


@pytest.mark.req("LSOF-015")
@pytest.mark.parametrize("err", ["EACCES", "EIO"])
def test_readlink_fails(cli, procs, workdir, err):
    h = procs.holder()
    h.do("r = [at(fd, n) for n, fd in zip((10, 11), os.pipe())]")
    want = expected(h.pid)
    path = f"/proc/{h.pid}/fd/10"
    inj, paths = aimed(cli, workdir, [h.pid], READLINK, err, path, f"/proc/{h.pid}/fd")
    out, st = run(cli, workdir, "x", [h.pid], inj, paths)
    require_injected(st, f"{inj[0]} on {path}")
    failed = injected_fds(st, h.pid)
    r = out.r
    assert failed == {10}, f"strace failed readlink of fds {sorted(failed)}, not just 10: {st.log}"
    assert r.status == 1 and path.encode() in r.stderr, (
        f"with {inj[0]} on {path} (readlink of it fails with {err}): the program should name "
        f"{path} on stderr and exit 1; {r.describe()}, stderr {r.stderr[:300]!r}{out.where()}")
    assert not out.problems, "\n".join(out.problems[:3]) + out.where()
    rest = [w for w in want if w[0] not in failed]
    got = [g for g in out.of(h.pid) if g[0] not in failed]
    assert got == rest, (f"the other descriptors should still be listed: {rest}, listed {got}"
                         f"{out.where()}")


@pytest.mark.req("LSOF-014")
def test_process_gone_is_silent(cli, procs, workdir):
    a, b = procs.holder(), procs.holder()
    # Every open under /proc/A fails as for a process that has ended,
    # whether the program opens /proc/A/fd by its full path or relative to
    # a descriptor of /proc/A.
    inj, path = "openat,open:error=ENOENT", f"/proc/{a.pid}/fd"
    want = expected(b.pid)
    out, st = run(cli, workdir, "x", [], [inj], [path, f"/proc/{a.pid}"])
    require_injected(st, f"{inj} on {path}")
    check_whole_run(out, f"with {inj} on {path} (a process that has ended), no operands: the "
                         f"program should leave it out silently")
    assert not out.of(a.pid), f"{a.pid}'s fds could not be read, yet listed{out.where()}"
    out.check_process(b.pid, want, "another process")


STATS = "stat,lstat,newfstatat,statx"
GONE = [(READLINK, 10, "a descriptor just closed"),
        (STATS, 11, "a descriptor closed between readlink and stat")]


@pytest.mark.req("LSOF-014")
@pytest.mark.parametrize("calls,fd,what", GONE, ids=["readlink", "stat"])
def test_fd_gone_is_silent(cli, procs, workdir, calls, fd, what):
    h = procs.holder()
    h.do("r = [at(fd, n) for n, fd in zip((10, 11), os.pipe())]")
    path = f"/proc/{h.pid}/fd/{fd}"
    want = expected(h.pid)
    inj, paths = aimed(cli, workdir, [h.pid], calls, "ENOENT", path, f"/proc/{h.pid}/fd")
    out, st = run(cli, workdir, "x", [h.pid], inj, paths)
    require_injected(st, f"{inj[0]} on {path}")
    out.well_formed(f"with {inj[0]} on {path} ({what}): the program should leave it out "
                    f"silently and exit 0")
    hit = injected_fds(st, h.pid) | {fd}
    out.check_rest(h.pid, want, hit, f"with {inj[0]} on {path}")
