/* Unit tests for kernel.c: the strided pass reads what it says, the
 * random cycle is one cycle through every element, and the chase follows
 * it. And measure.c: a batch fills its share of the budget. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

#include "kernel.h"
#include "measure.h"

/* With a[i] = i + 1, a pass's sum is that of the multiples of the stride
 * below n plus their count: an element read twice, one skipped or one past
 * the end changes it. */
static void check_stride(size_t n, size_t stride)
{
    uint64_t *a = malloc(n * sizeof(*a));
    uint64_t want = 0, reads = 0;

    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        a[i] = i + 1;
    for (size_t i = 0; i < n; i += stride) {
        want += i + 1;
        reads++;
    }
    assert_int_equal(loc_stride_reads(n, stride), reads);
    assert_int_equal(loc_read_stride(a, n, stride, 1), want);
    assert_int_equal(loc_read_stride(a, n, stride, 3), 3 * want);
    assert_int_equal(loc_read_stride(a, n, stride, 0), 0);
    free(a);
}

/* Every remainder of n against the unrolled loop of four reads: the tail
 * loop must pick up exactly what the four-at-a-time loop left. */
static void test_stride_reads(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 70; n++)
        for (size_t s = 1; s <= 20; s++)
            check_stride(n, s);
    check_stride(128, 1024); /* a stride past the set: element 0 only */
    check_stride(1 << 16, 64);
}

/* Follows the cycle from 0 and counts the steps until it comes back: n
 * for a single cycle, with every element seen once on the way. */
static void check_cycle(size_t n, uint64_t seed)
{
    uint64_t *a = malloc(n * sizeof(*a));
    bool *seen = calloc(n, sizeof(*seen));
    uint64_t i = 0, steps = 0;

    assert_non_null(a);
    assert_non_null(seen);
    loc_chase_build(a, n, seed);
    do {
        assert_true(a[i] < n);
        assert_false(seen[i]);
        seen[i] = true;
        i = a[i];
        steps++;
    } while (i != 0 && steps <= n);
    assert_int_equal(steps, n);
    /* The chase is the same walk: n steps from anywhere come back there. */
    assert_int_equal(loc_chase(a, 0, n), 0);
    assert_int_equal(loc_chase(a, 5 % n, 3 * n), 5 % n);
    free(a);
    free(seen);
}

static void test_single_cycle(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 64; n++)
        for (uint64_t seed = 0; seed < 8; seed++)
            check_cycle(n, seed);
    check_cycle(128, 1);
    check_cycle(1 << 20, 0x6c6f63616c697479ULL);
}

/* The cycle is random: no element points to the next one in memory more
 * often than chance would have it (1 in n - 1 for a random cycle), which
 * would let the prefetcher follow it. A loose bound: at most 1% of 2^16. */
static void test_cycle_is_shuffled(void **state)
{
    size_t n = 1 << 16, next = 0;
    uint64_t *a = malloc(n * sizeof(*a));

    (void)state;
    assert_non_null(a);
    loc_chase_build(a, n, 42);
    for (size_t i = 0; i < n; i++)
        next += a[i] == (i + 1) % n;
    assert_true(next < n / 100);
    free(a);
}

/* A unit of work that takes some time: a pass over a small array. */
static uint64_t small[4096];

static uint64_t run_small(void *ctx, uint64_t units)
{
    (void)ctx;
    return loc_read_stride(small, 4096, 1, units);
}

static void test_measure_fills_budget(void **state)
{
    struct loc_work w = {.run = run_small, .ctx = NULL, .unit_bytes = sizeof(small)};
    struct loc_result r;
    uint64_t budget = 20 * 1000000u; /* 20 ms */

    (void)state;
    for (unsigned reps = 1; reps <= 5; reps += 2) {
        uint64_t t0 = loc_now_ns();

        loc_measure(&w, budget, reps, &r);
        assert_true(r.timed_ns >= budget);
        assert_true(loc_now_ns() - t0 >= budget);
        assert_true(r.batches >= 1);
        assert_true(r.units >= 1);
        assert_true(r.mbps > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stride_reads),
        cmocka_unit_test(test_single_cycle),
        cmocka_unit_test(test_cycle_is_shuffled),
        cmocka_unit_test(test_measure_fills_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
