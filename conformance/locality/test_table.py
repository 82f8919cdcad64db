"""The table on stdout (specs/locality.md, "The table"): its header and
lines, one row per point in order, the throughput's format, the defaults
and the units of sizes. Nothing here looks at how large a throughput is."""
import pytest

from locality.loc_util import GIB, KIB, MBPS, MIB, args, check_points, points, run_ok, small, \
    table


@pytest.mark.req("LOC-001")
def test_header_and_rows(cli):
    for argv in (small(), small(max_size="8K", max_stride=3), small(no_random=True)):
        r = run_ok(cli, argv)
        t = table(r)  # fails on a wrong header or a malformed line
        assert t.rows, f"{' '.join(argv)}: a header and no row\n  reproduce: {r.repro()}"
        assert b"\r" not in r.stdout and b"\n\n" not in r.stdout, \
            f"{' '.join(argv)}: a carriage return or a blank line on stdout: {r.stdout[:300]!r}"


@pytest.mark.req("LOC-002")
def test_one_row_per_point_in_order(cli):
    for lo, hi, s in ((KIB, 8 * KIB, 3), (2 * KIB, 2 * KIB, 1), (KIB, 4 * KIB, 9)):
        argv = args(min_size=lo, max_size=hi, max_stride=s, time=1)
        check_points(table(run_ok(cli, argv)), points(lo, hi, s), " ".join(argv))


@pytest.mark.req("LOC-003")
def test_mbps_format_and_positive(cli):
    for argv in (small(max_size="16K", max_stride=4), small(min_size="64K", max_size="64K")):
        t = table(run_ok(cli, argv))
        for size, stride, mbps in t.rows:
            where = (f"{' '.join(argv)}: row {size}\t{stride or 'random'}: mbps {mbps!r}"
                     f"\n  reproduce: {t.result.repro()}")
            assert MBPS.fullmatch(mbps), \
                f"{where}: not written as %.1f writes it (digits, '.', one digit)"
            assert float(mbps) > 0, f"{where}: not above zero"


@pytest.mark.req("LOC-004")
def test_defaults(cli):
    # The smallest size and the strides: 4K, 8K, 16K, each 1..64.
    argv = args(max_size="16K", no_random=True, time=1)
    check_points(table(run_ok(cli, argv)), points(4 * KIB, 16 * KIB, 64, random=False),
                 " ".join(argv) + " (default --min-size 4K, --max-stride 64)")
    # The largest size: --min-size 1G alone gives the one size 1 GiB (a
    # larger default would give more rows, a smaller one a usage error).
    argv = args(min_size="1G", max_stride=1, no_random=True, time=1, reps=1)
    check_points(table(run_ok(cli, argv)), points(GIB, GIB, 1, random=False),
                 " ".join(argv) + " (default --max-size 1G)")
    # Random rows unless --no-random.
    argv = args(min_size="1K", max_size="1K", max_stride=1, time=1)
    check_points(table(run_ok(cli, argv)), points(KIB, KIB, 1),
                 " ".join(argv) + " (random rows by default)")


@pytest.mark.req("LOC-005")
def test_size_units(cli):
    for lo, hi, sizes in (("1024", "1K", [KIB]), ("1k", "2k", [KIB, 2 * KIB]),
                          ("1KiB", "1KiB", [KIB]), ("1M", "1MiB", [MIB]), ("1m", "1m", [MIB]),
                          ("1g", "1GiB", [GIB])):
        argv = args(min_size=lo, max_size=hi, max_stride=1, no_random=True, time=1, reps=1)
        check_points(table(run_ok(cli, argv)), [(s, 1) for s in sizes], " ".join(argv))


@pytest.mark.req("LOC-007")
def test_no_random(cli):
    for lo, hi, s in ((KIB, 4 * KIB, 2), (8 * KIB, 8 * KIB, 5)):
        argv = args(min_size=lo, max_size=hi, max_stride=s, no_random=True, time=1)
        check_points(table(run_ok(cli, argv)), points(lo, hi, s, random=False), " ".join(argv))
