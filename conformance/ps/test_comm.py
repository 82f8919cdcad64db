"""PS-011..013: `[comm]` for kernel threads and zombies, and comm fields
that trap a naive parser of /proc/PID/stat."""
import re

import pytest

from ps.pstools import comm_pattern, procps_line, run_ps, snapshot, state, stat_fields, wait_until


@pytest.mark.req("PS-011")
def test_kernel_threads(cli):
    before = snapshot()
    kthreads = {p: v for p, v in before.items() if not v[4] and v[2] != "Z"
                and (p == 2 or v[3] == 2)}
    if not kthreads:
        pytest.skip("no kernel thread is visible here (a PID namespace?)")
    ls = run_ps(cli)
    after = snapshot()
    ls.well_formed()
    checked = 0
    for pid, v in sorted(kthreads.items()):
        if pid not in after or after[pid][0] != v[0]:
            continue  # ended meanwhile
        row = ls.one(pid)
        assert row, f"kernel thread {pid} [{v[1].decode()}] is not listed{ls.where()}"
        # A kworker's comm names the work it is doing, and changes: accept
        # its name before or after the run, or the same worker with any work
        # ("kworker/0:2-events" idle, "kworker/0:2+events" busy).
        names = {v[1], after[pid][1]}
        if row[2][:1] == b"[" and row[2].endswith(b"]"):
            got = row[2][1:-1]
            if got in names or (got.startswith(b"kworker/") and
                                re.split(rb"[-+]", got)[0] == re.split(rb"[-+]", v[1])[0]):
                checked += 1
                continue
        raise AssertionError(f"kernel thread {pid} has an empty /proc/{pid}/cmdline and comm "
                             f"{v[1]!r}: ARGS should be [{v[1].decode()}], listed: "
                             f"{row[3][:200]!r}{procps_line(pid)}{ls.where()}")
    assert checked, "every kernel thread ended during the run?"

@pytest.mark.req("PS-012")
def test_zombies(cli, procs):
    h = procs.holder()
    cases = {h.do("r = zombie()"): b"python3",
             h.do("r = zombie(b'zz top')"): b"zz top",
             h.do("r = zombie(b'fifteen-chars!!')"): b"fifteen-chars!!"}
    for pid in cases:
        wait_until(lambda: state(pid) == "Z", f"{pid} to be a zombie")
        cases[pid] = stat_fields(pid)[0]
    ls = run_ps(cli)
    ls.well_formed()
    for pid, comm in cases.items():
        row = ls.one(pid)
        assert row, f"zombie {pid} ({comm!r}) is not listed{ls.where()}"
        want = comm_pattern(comm, defunct=True)
        assert row[1][:1] == "Z" and want.match(row[2]), (
            f"zombie {pid}, comm {comm!r}: STAT should start with Z and ARGS be "
            f"[{comm.decode()}] <defunct>; listed: {row[3][:200]!r}{procps_line(pid)}{ls.where()}")

# Names whose naive parse (split on spaces, or comm up to the first ')')
# gives a plausible but wrong state and PPID.
TRAPS = [b"a) T 1 (b", b"x) R 7 (y", b") Z 2 (", b"p (q) S 3", b"))((", b"sp ace  d"]

@pytest.mark.req("PS-013")
def test_comm_with_spaces_and_parentheses(cli, procs):
    h = procs.holder()
    live = {h.do(f"r = named_child({name!r})"): name for name in TRAPS}
    dead = {h.do(f"r = zombie({name!r})"): name for name in TRAPS + [b"t\tn\nx\x1bq"]}
    for pid in list(live) + list(dead):
        wait_until(lambda: stat_fields(pid) is not None and state(pid) in "SZ",
                   f"{pid} to settle")
    ls = run_ps(cli)
    ls.well_formed()
    for pid, name in live.items():
        f = stat_fields(pid)
        assert f[0] == name, f"prctl did not name {pid} {name!r} ({f[0]!r})"
        row = ls.one(pid)
        assert row, f"process {pid} named {name!r} is not listed{ls.where()}"
        assert (row[0], row[1][:1]) == (h.pid, "S"), (
            f"process {pid}, comm {name!r} (/proc/{pid}/stat: "
            f"{open(f'/proc/{pid}/stat', 'rb').read()[:60]!r}...): PPID {h.pid}, state S; "
            f"listed PPID {row[0]}, STAT {row[1]!r}: comm runs to the LAST ')' of the file "
            f"(proc(5)){procps_line(pid)}{ls.where()}")
    for pid, name in dead.items():
        row = ls.one(pid)
        assert row, f"zombie {pid} named {name!r} is not listed{ls.where()}"
        want = comm_pattern(name, defunct=True)
        assert (row[0], row[1][:1]) == (h.pid, "Z") and want.match(row[2]), (
            f"zombie {pid}, comm {name!r}: should be PPID {h.pid}, Z, ARGS "
            f"[{name.decode(errors='replace')}] <defunct> (controls as '?'); listed: "
            f"{row[3][:200]!r}{procps_line(pid)}{ls.where()}")
