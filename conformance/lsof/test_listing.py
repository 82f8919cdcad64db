"""LSOF-001..004: the form of the listing, its order, every process without
operands, and exactly the descriptors /proc/PID/fd has."""
import pytest

from lsof.lsoftools import Output, check_whole_run, expected


def run(cli, args):
    return Output(cli.run([str(a) for a in args]))


@pytest.mark.req("LSOF-001")
def test_form_of_the_output(cli, procs):
    h = procs.holder()
    h.do("r = at(os.open('/etc/hostname', os.O_RDONLY), 5)")
    out = run(cli, [h.pid])
    out.well_formed(f"listing process {h.pid}")
    out.check_process(h.pid, expected(h.pid))
    assert {r[0] for r in out.rows} == {h.pid}, f"lines of other processes{out.where()}"


@pytest.mark.req("LSOF-002")
def test_order(cli, procs):
    hs = [procs.holder() for _ in range(3)]
    for h in hs:
        # 3..12 and 98..101: ascending as numbers, not as strings.
        h.do("r = [at(os.open('/dev/null', os.O_RDONLY), n) for n in "
             "list(range(3, 13)) + [98, 99, 100, 101]]")
    order = sorted(h.pid for h in hs)
    args = [order[2], order[0], order[1]]
    out = run(cli, args)
    out.well_formed(f"listing {args}")
    pids = [r[0] for r in out.rows]
    blocks = [p for i, p in enumerate(pids) if i == 0 or pids[i - 1] != p]
    assert blocks == order, (f"operands {args}: the processes should come in ascending PID order, "
                             f"each one's lines together: {order}; the lines' PIDs, in runs: "
                             f"{blocks}{out.where()}")
    for h in hs:
        out.check_process(h.pid, expected(h.pid))


@pytest.mark.req("LSOF-003")
def test_every_process(cli, procs):
    hs = [procs.holder() for _ in range(3)]
    for i, h in enumerate(hs):
        h.do(f"r = [at(os.open('/dev/null', os.O_RDONLY), n) for n in range(3, {4 + 3 * i})]")
    for attempt in range(3):
        out = run(cli, [])
        check_whole_run(out, f"run {attempt + 1} without operands (every process)")
        pids = [r[0] for r in out.rows]
        blocks = [p for i, p in enumerate(pids) if i == 0 or pids[i - 1] != p]
        assert blocks == sorted(set(blocks)), (
            f"without operands the processes should come in ascending PID order, each one's "
            f"lines together; out of order or split: "
            f"{[b for i, b in enumerate(blocks) if i and blocks[i - 1] >= b][:10]}{out.where()}")
        for h in hs:
            out.check_process(h.pid, expected(h.pid), "one of the test's processes")


@pytest.mark.req("LSOF-004")
def test_exactly_the_descriptors(cli, procs):
    gaps = procs.holder()
    gaps.do("r = [at(os.open('/dev/null', os.O_RDONLY), n) for n in (7, 64, 1000)]")
    many = procs.holder()
    many.do("import resource\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))\n"
            "r = [os.open('/dev/null', os.O_RDONLY) for _ in range(3000)]")
    for h, what in ((gaps, "descriptors 0-2, 7, 64, 1000"), (many, "3000 descriptors")):
        out = run(cli, [h.pid])
        out.well_formed(f"listing a process holding {what}")
        out.check_process(h.pid, expected(h.pid), what)
