"""The sum itself (specs/sumsq.md, "Results"): exact, in decimal, in both
modes, for the edge cases of the split."""
import pytest

from sumsq.sumsq_util import check_sum

MODES = ("proc", "thread")


@pytest.mark.req("SUMSQ-001")
def test_small_n_every_k(cli):
    for n in list(range(0, 21)) + [31, 32, 33, 63, 64, 65, 100, 127, 128, 199, 200]:
        for k in (1, 2, 3, 4):
            for mode in MODES:
                r = check_sum(cli, mode, k, n)
                assert r.stdout.count(b"\n") == 1


@pytest.mark.req("SUMSQ-002")
def test_zero_and_one(cli):
    for n in (0, 1):
        for k in (1, 2, 1024):
            for mode in MODES:
                check_sum(cli, mode, k, n)


@pytest.mark.req("SUMSQ-003")
def test_k_larger_than_n_and_extremes(cli):
    for k, n in ((16, 3), (1024, 5), (1024, 1023), (1, 100000), (7, 6)):
        for mode in MODES:
            check_sum(cli, mode, k, n)


@pytest.mark.req("SUMSQ-004")
def test_past_64_bits(cli):
    # Many threads, each long enough to be running while others do, also
    # on a busy machine where a few short ones may well run one after the
    # other: threads adding into one total without a lock lose terms, and
    # repeating makes missing it (threads that never overlap) unlikely.
    for _ in range(3):
        r = check_sum(cli, "thread", 64, 100_000_000)
        assert r.stdout == b"333333338333333350000000\n"
    for k in (1, 3, 8):
        for mode in MODES:
            r = check_sum(cli, mode, k, 10_000_000)
            assert r.stdout == b"333333383333335000000\n"


@pytest.mark.req("SUMSQ-005")
def test_modes_agree(cli):
    for k, n in ((3, 10), (4, 1001), (5, 77777), (2, 40000), (1024, 1)):
        outs = {}
        for mode in MODES:
            r = cli.run(["--mode", mode, "-j", str(k), str(n)])
            outs[mode] = (r.status, r.stdout, r.repro())
        (sp, op, rp), (st, ot, rt) = outs["proc"], outs["thread"]
        assert (sp, op) == (st, ot), \
            (f"-j {k} {n}: proc mode gives {op!r} (status {sp}), thread mode {ot!r} "
             f"(status {st})\n  reproduce: {rp}\n  and: {rt}")
