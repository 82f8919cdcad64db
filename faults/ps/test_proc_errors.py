"""PS-014..016 under injected errors: strace -f -P PATH -e inject=... makes
one call on one /proc path fail; every test checks in strace's log that it
did (INJECTED), and skips, saying why, when the program never made it.

Expectations:
- /proc cannot be opened (EACCES, EMFILE) or its first getdents64 fails
  (EIO): a message on stderr, no process line, exit status 1 (PS-015);
- one process's stat or cmdline fails to open or read with EIO or EACCES
  (the open aimed at that one file, even when the program opens it
  relative to a descriptor of /proc/PID: see inject.aim()):
  every other process still listed; that one reported (message naming its
  /proc/PID, exit 1) or silently left out / shown with [comm] (exit 0);
  exit 0 exactly when stderr is empty (PS-016);
- the same with ENOENT (open) or ESRCH (read), which is what a process that
  has just ended gives: silence, exit 0 (PS-014).
"""
import os

import pytest

from inject import Strace, aim
from ps.pstools import PS_ENV, Listing, args_pattern, comm_pattern, snapshot


pytestmark = pytest.mark.usefixtures("need_strace")


def run_injected(cli, workdir, name, injections, paths):
    d = workdir / name
    d.mkdir()
    st = Strace(d, injections, paths=paths)
    before = snapshot()
    ls = Listing(cli.run([], env=PS_ENV, wrap=st.wrap()))
    after = snapshot()
    steady = {p for p in before if p in after and before[p][0] == after[p][0]}
    return ls, st, steady


def fault_text(injections, paths):
    return f"{', '.join(injections)} on {', '.join(paths)}"


def require_injected(st, injections, paths):
    if not st.injected():
        pytest.skip(f"the program never made the call to fail ({fault_text(injections, paths)}): "
                    f"it reads /proc another way; strace log: {st.log}")


@pytest.mark.req("PS-015")
@pytest.mark.parametrize("inj", ["openat,open:error=EACCES", "openat,open:error=EMFILE",
                                 "getdents64,getdents:error=EIO:when=1"])
def test_proc_cannot_be_listed(cli, workdir, inj):
    ls, st, _ = run_injected(cli, workdir, "x", [inj], ["/proc"])
    require_injected(st, [inj], ["/proc"])
    r = ls.r
    lines = [x for x in r.stdout.split(b"\n")[1:] if x.strip()]
    assert r.status == 1 and r.stderr and not lines, (
        f"with {fault_text([inj], ['/proc'])} the process list cannot be read: the program "
        f"should write a message on stderr, print no process line and exit with status 1; "
        f"{r.describe()}, stderr {r.stderr[:300]!r}, {len(lines)} process line(s) "
        f"{lines[:2]!r}\n  reproduce: {r.repro()}")


def check_others_listed(ls, steady, victim, what):
    missing = sorted(p for p in steady if p != victim and p not in ls.rows)
    assert not missing, (f"{what}: the other processes should still be listed; missing: "
                         f"{missing[:10]}{ls.where()}")


def check_victim_row(ls, victim, cmdline, what, ppid):
    row = ls.one(victim)
    if row is None:
        return
    ok = (row[0] == ppid and row[1][:1] == "S" and
          (args_pattern(cmdline).match(row[2]) or comm_pattern(b"sh").match(row[2])))
    assert ok, (f"{what}: process {victim} is listed as {row[3][:200]!r}; if listed, it should "
                f"be PPID {ppid}, state S, ARGS its command line or [sh]{ls.where()}")


OPENS = "openat,open"
READS = "read,pread64,readv"
FAILS = [(f, op, err) for f in ("stat", "cmdline")
         for op in (OPENS, READS)
         for err in ("EIO", "EACCES")]


def aimed(cli, workdir, victim, f, op, err):
    """The injection failing the program's calls `op` on /proc/VICTIM/f and
    the paths to give strace -P; skips when the program makes no such call.
    Reads go through the file's own descriptor, which -P matches: every read
    of it fails. An open may name the file relative to a descriptor of
    /proc/VICTIM: inject.aim() finds it in a first run and fails only it."""
    path = f"/proc/{victim}/{f}"
    if op == READS:
        return [f"{op}:error={err}"], [path]
    got = aim(lambda wrap: cli.run([], env=PS_ENV, wrap=wrap), workdir, op, err, path,
              f"/proc/{victim}")
    if isinstance(got, str):
        pytest.skip(got)
    return got


def run_on_victim(cli, procs, workdir, name, f, op, err):
    """Start a victim process, run the program with `op` on the victim's
    file f failing with err (skipping when strace injected nothing).
    Returns (victim pid, its cmdline, the Listing, the processes that held
    still, the fault as reports name it)."""
    victim = procs.sleeper(name, f, err).pid
    cmdline = open(f"/proc/{victim}/cmdline", "rb").read()
    inj, paths = aimed(cli, workdir, victim, f, op, err)
    ls, st, steady = run_injected(cli, workdir, "x", inj, paths)
    require_injected(st, inj, paths)
    return victim, cmdline, ls, steady, f"with {fault_text(inj, paths)}"


@pytest.mark.req("PS-016")
@pytest.mark.parametrize("f,op,err", FAILS,
                         ids=[f"{f}-{op.split(',')[0]}-{err}" for f, op, err in FAILS])
def test_one_process_unreadable(cli, procs, workdir, f, op, err):
    victim, cmdline, ls, steady, what = run_on_victim(cli, procs, workdir, "unreadable", f, op,
                                                      err)
    r = ls.r
    if r.status == 0:
        ls.well_formed(what + " (the program stayed silent, so it must exit 0 with an "
                       "empty stderr)")
    else:
        assert r.status == 1 and f"/proc/{victim}".encode() in r.stderr and \
            not ls.problems, (
                f"{what}: a program that reports the error names the file on stderr and "
                f"exits with status 1 (else it stays silent and exits 0); {r.describe()}, "
                f"stderr {r.stderr[:300]!r}" + "".join(f"\n  {p}" for p in ls.problems[:3])
                + ls.where())
    check_others_listed(ls, steady, victim, what)
    check_victim_row(ls, victim, cmdline, what, os.getpid())


GONE = [(f, op, err) for f in ("stat", "cmdline")
        for op, err in ((OPENS, "ENOENT"), (READS, "ESRCH"))]


@pytest.mark.req("PS-014")
@pytest.mark.parametrize("f,op,err", GONE,
                         ids=[f"{f}-{op.split(',')[0]}-{err}" for f, op, err in GONE])
def test_process_files_gone(cli, procs, workdir, f, op, err):
    victim, cmdline, ls, steady, fault = run_on_victim(cli, procs, workdir, "gone", f, op, err)
    what = (f"{fault} (what a process that has just ended gives): "
            f"the program should stay silent and exit 0")
    ls.well_formed(what)
    check_others_listed(ls, steady, victim, what)
    check_victim_row(ls, victim, cmdline, what, os.getpid())
