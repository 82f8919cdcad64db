"""PS-014: processes that end while the program reads /proc.

Two ways: processes started and reaped as fast as the machine allows while
the program runs many times (the everyday case), and, deterministically,
a process killed and reaped while the program is held (strace delay_enter)
in its first, then its second, call on that process's files."""
import os

import pytest

from osnet_harness.stracelog import Strace
from ps.pstools import (PS_ENV, Churn, Listing, args_pattern, comm_pattern, run_held, run_ps,
                     wait_until)
from osnet_harness.timeouts import T

RUNS = 30


@pytest.mark.req("PS-014")
def test_processes_ending_all_the_time(cli):
    with Churn() as churn:
        wait_until(lambda: churn.count > 10, "the churn to start")
        for i in range(RUNS):
            ls = run_ps(cli)
            ls.well_formed(f"run {i + 1} of {RUNS}, while processes start and end "
                           f"({churn.count} so far)")


# What a program may call on a process's files first (open them, or the
# process's directory, or stat it). Each syscall has its own `when` counter.
FIRST_CALLS = ["openat", "open"]


def victim_paths(pid):
    return [f"/proc/{pid}"] + [f"/proc/{pid}/{f}" for f in
                                ("stat", "status", "cmdline", "comm", "statm", "task")]


def hold_and_kill(cli, procs, workdir, when):
    """Run the program under strace, delaying its `when`-th open of the
    victim's files; kill and reap the victim during the delay. Returns
    (listing, victim pid, its cmdline, the strace log)."""
    victim = procs.sleeper("victim")
    cmdline = open(f"/proc/{victim.pid}/cmdline", "rb").read()
    delay = int(T(1.5) * 1e6)
    st = Strace(workdir, [f"{c}:delay_enter={delay}:when={when}" for c in FIRST_CALLS],
                paths=victim_paths(victim.pid))

    def kill():
        victim.kill()
        victim.wait()
    r = run_held(cli, [], st, when, kill, env=PS_ENV)
    return Listing(r), victim.pid, cmdline, st.log.read_text(errors="replace")


@pytest.mark.req("PS-014")
@pytest.mark.parametrize("when", [1, 2], ids=["before-its-first-open", "between-two-opens"])
@pytest.mark.usefixtures("need_strace")
def test_process_ends_while_read(cli, procs, workdir, when):
    ls, pid, cmdline, log = hold_and_kill(cli, procs, workdir, when)
    if "(DELAYED)" not in log:
        pytest.skip(f"the program made no {when}. open of /proc/{pid}/... "
                    f"(openat/open on {victim_paths(pid)}): nothing to delay")
    ls.well_formed(f"the process {pid} ended while the program was in its {when}. open "
                   f"of its /proc files (strace delay_enter)")
    row = ls.one(pid)
    if row is None:
        return
    # Listed with what was read before it ended: its true PPID, and its
    # command line or its name (sh).
    ok = row[0] == os.getpid() and (args_pattern(cmdline).match(row[2]) or
                                    comm_pattern(b"sh").match(row[2]) or
                                    comm_pattern(b"sh", defunct=True).match(row[2]))
    assert ok, (f"process {pid} ended during the run and is listed as {row[3][:200]!r}: it "
                f"should be left out, or shown with PPID {os.getpid()} and its args or "
                f"[sh]{ls.where()}")
