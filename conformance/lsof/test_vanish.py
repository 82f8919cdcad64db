"""LSOF-014: descriptors closed and processes ending while the program
reads them. Deterministically: the program is held (strace delay_enter) in
its first call on one process's descriptors while the test closes some of
them, or kills the process; and, as it happens every day, runs without
operands while processes start and end nonstop."""

import pytest

from osnet_harness.stracelog import Strace
from lsof.lsoftools import Output, check_whole_run, expected
from ps.pstools import Churn, run_held, wait_until
from osnet_harness.timeouts import T

# Every program calls readlink on each descriptor's entry, and readlink is
# only ever called on entries (stat may be called on the directory itself,
# e.g. by opendir, which would hold the program before it has listed it).
ENTRY_CALLS = ["readlink", "readlinkat"]


@pytest.mark.req("LSOF-014")
@pytest.mark.usefixtures("need_strace")
def test_fds_closed_while_held(cli, procs, workdir):
    h = procs.holder()
    closing = list(range(10, 16))
    h.do("r = [at(fd, n) for n, fd in zip(range(10, 16), os.pipe() + os.pipe() + os.pipe())]")
    before = expected(h.pid)
    # Only pipes among the paths: strace -P resolves a path that is a
    # symbolic link to a file (/proc/PID/fd/2 -> /dev/null) and says so on
    # the program's stderr; a pipe's link resolves to nothing.
    fds = [w[0] for w in before if w[2].startswith(b"pipe:")]
    delay = int(T(1.5) * 1e6)
    st = Strace(workdir, [f"{c}:delay_enter={delay}:when=1" for c in ENTRY_CALLS],
                paths=[f"/proc/{h.pid}/fd"] + [f"/proc/{h.pid}/fd/{fd}" for fd in fds])
    r = run_held(cli, [str(h.pid)], st, 1,
                 lambda: h.do(f"r = [os.close(n) for n in {closing}]"))
    log = st.log.read_text(errors="replace")
    if "(DELAYED)" not in log:
        pytest.skip(f"the program made no readlink call on /proc/{h.pid}/fd/FD "
                    f"({', '.join(ENTRY_CALLS)}): nothing to hold it in")
    out = Output(r)
    out.well_formed(f"descriptors {closing} of process {h.pid} were closed while the program "
                    f"was held in its first readlink of /proc/{h.pid}/fd/FD (strace "
                    f"delay_enter): they should be left out silently")
    out.check_rest(h.pid, before, closing, f"descriptors {closing} closed while held")


@pytest.mark.req("LSOF-014")
@pytest.mark.usefixtures("need_strace")
def test_process_ends_while_held(cli, procs, workdir):
    victim = procs.sleeper("lsof-victim")
    delay = int(T(1.5) * 1e6)
    st = Strace(workdir, [f"{c}:delay_enter={delay}:when=1" for c in ("openat", "open")],
                paths=[f"/proc/{victim.pid}/fd", f"/proc/{victim.pid}"])

    def kill():
        victim.kill()
        victim.wait()
    r = run_held(cli, [], st, 1, kill)
    if "(DELAYED)" not in st.log.read_text(errors="replace"):
        pytest.skip(f"the program never opened /proc/{victim.pid}/fd: nothing to hold it in")
    out = Output(r)
    check_whole_run(out, f"process {victim.pid} ended while the program was held opening "
                         f"/proc/{victim.pid}/fd (strace delay_enter): it should be left out "
                         f"silently")
    assert not out.of(victim.pid), (f"process {victim.pid} had ended before its descriptors "
                                    f"were read, yet it is listed: {out.of(victim.pid)[:3]}"
                                    f"{out.where()}")


@pytest.mark.req("LSOF-014")
def test_processes_ending_all_the_time(cli):
    with Churn() as churn:
        wait_until(lambda: churn.count > 10, "the churn to start")
        for i in range(10):
            check_whole_run(Output(cli.run([])),
                            f"run {i + 1} of 10 without operands, while processes start and "
                            f"end ({churn.count} so far)")
