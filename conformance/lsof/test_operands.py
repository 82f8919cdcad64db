"""LSOF-012, 013, 017: a PID that is not a process, operands that are not
PIDs, and output that cannot be written."""
import os

import pytest

from lsof.lsoftools import Output, expected


def free_pid():
    """A PID no process has (and, being above pid_max, none can get)."""
    with open("/proc/sys/kernel/pid_max") as f:
        top = int(f.read())
    return top + 12345


def free_pid_in_range():
    """A PID within pid_max that no process has: the largest free one below
    the last PID handed out (ns_last_pid), since the kernel hands out PIDs
    upward and so reuses none of those before the counter wraps."""
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    return next((p for p in range(last - 1, 1, -1) if not os.path.exists(f"/proc/{p}")),
                None)


@pytest.mark.req("LSOF-012")
def test_no_such_process(cli, procs):
    a, b = procs.holder(), procs.holder()
    ghost = free_pid()
    cases = [[a.pid, ghost, b.pid]]
    small = free_pid_in_range()
    if small is not None:
        cases.append([small, a.pid, b.pid])
    for args in cases:
        gone = args[1] if args[1] not in (a.pid, b.pid) else args[0]
        out = Output(cli.run([str(x) for x in args]))
        r = out.r
        assert r.status == 1 and f"{gone}: No such process".encode() in r.stderr, (
            f"operands {args}: PID {gone} is not a process: the program should say "
            f"'PROG: {gone}: No such process' on stderr and exit 1 after listing the others; "
            f"{r.describe()}, stderr {r.stderr[:300]!r}{out.where()}")
        assert not out.problems, "\n".join(out.problems[:3]) + out.where()
        for h in (a, b):
            out.check_process(h.pid, expected(h.pid), "listed despite the missing PID")


@pytest.mark.req("LSOF-013")
def test_not_a_number(cli, procs):
    h = procs.holder()
    for bad in ("12x", "abc", "-5", "", " 7", "0x10"):
        r = cli.run([str(h.pid), bad])
        assert r.status == 2 and r.stderr and not r.stdout, (
            f"operand {bad!r} is not a PID: the program should print a usage message on stderr, "
            f"nothing on stdout, and exit 2; {r.describe()}, stdout {r.stdout[:200]!r}, "
            f"stderr {r.stderr[:200]!r}\n  reproduce: {r.repro()}")


@pytest.mark.req("LSOF-017")
def test_write_error(cli, procs):
    h = procs.holder()
    h.do("r = [at(os.open('/dev/null', os.O_RDONLY), n) for n in range(3, 2000)]")
    for args in ([str(h.pid)], []):
        r = cli.run(args, stdout="/dev/full")
        assert r.status != 0 and r.stderr, (
            f"with stdout /dev/full (every write fails with ENOSPC) the program should say so "
            f"on stderr and exit non-zero; {r.describe()}, stderr {r.stderr[:300]!r}\n"
            f"  reproduce: {r.repro()} > /dev/full")
