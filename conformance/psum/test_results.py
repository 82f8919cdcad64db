"""The sum itself (specs/psum.md, "Results"): exact, in decimal, past 64
bits, for every way of cutting 1..N."""
import random

import pytest

from psum.psum_util import MAX_N, check_sum


@pytest.mark.req("PSUM-001")
def test_small_n(cli):
    for n in list(range(0, 41)) + [63, 64, 65, 100, 127, 128, 1000, 65537]:
        for k in (1, 2, 3, 4):
            r = check_sum(cli, k, n)
            assert r.stdout.count(b"\n") == 1


@pytest.mark.req("PSUM-002")
def test_zero_and_one(cli):
    for n in (0, 1):
        for k in (1, 2, 3, 1024):
            check_sum(cli, k, n)


@pytest.mark.req("PSUM-003")
def test_k_larger_than_n(cli):
    for k, n in ((16, 3), (1024, 5), (1024, 1000), (1024, 1023), (7, 6)):
        check_sum(cli, k, n)


@pytest.mark.req("PSUM-004")
def test_past_64_bits(cli):
    for k in (1, 2, 3, 8, 1024):
        r = check_sum(cli, k, MAX_N)
        assert r.stdout == b"170141183460469231722463931679029329920\n"
    # 6074001000 is the first N whose sum passes 2^64.
    assert (6074000999 * 6074001000) // 2 < 2 ** 64 <= (6074001000 * 6074001001) // 2
    rng = random.Random(9)
    ns = [6074001000, 2 ** 32, 2 ** 63, MAX_N - 1] + \
         [rng.randrange(2 ** 63, 2 ** 64) for _ in range(20)]
    for i, n in enumerate(ns):
        check_sum(cli, 1 + i % 7, n)


@pytest.mark.req("PSUM-005")
def test_every_split(cli):
    for n in (1000003, MAX_N):
        for k in list(range(1, 34)) + [64, 100, 999, 1024]:
            check_sum(cli, k, n)
