/* Unit tests for work: the split of 1..N into K contiguous ranges (K > N
 * included) and the term-by-term sum, checked against the closed form
 * N(N+1)(2N+1)/6, up to the largest N whose sum fits in 128 bits. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>

#include "num.h"
#include "work.h"

/* 1^2 + ... + n^2 by the closed form, or false when it does not fit in 128
 * bits. The product n(n+1)(2n+1) itself overflows long before the sum
 * does, so the divisions by 2 and 3 come first: one of n, n+1 is even, and
 * one of n, n+1, 2n+1 is a multiple of 3. */
static bool closed_form(uint64_t n, unsigned __int128 *out)
{
    unsigned __int128 f[3] = {n, (unsigned __int128)n + 1, 2 * (unsigned __int128)n + 1};
    unsigned __int128 p;

    f[f[0] % 2 == 0 ? 0 : 1] /= 2;
    for (int i = 0; i < 3; i++) {
        if (f[i] % 3 == 0) {
            f[i] /= 3;
            break;
        }
    }
    if (__builtin_mul_overflow(f[0], f[1], &p) || __builtin_mul_overflow(p, f[2], &p))
        return false;
    *out = p;
    return true;
}

static unsigned __int128 sum_of(struct work_range r)
{
    unsigned __int128 s = 12345;

    assert_int_equal(work_sum_squares(&r, NULL, &s), 0);
    return s;
}

/* The check of every split: range 0 starts at 1, each starts where the one
 * before ended, the last ends at n, sizes differ by at most one, and with
 * k > n exactly k - n are empty. */
static void check_split(uint64_t n, unsigned k)
{
    uint64_t next = 1, min = UINT64_MAX, max = 0, empty = 0;

    for (unsigned i = 0; i < k; i++) {
        struct work_range r = work_split(n, k, i);

        assert_true(r.first == next);
        next = r.first + r.count;
        if (r.count < min)
            min = r.count;
        if (r.count > max)
            max = r.count;
        empty += r.count == 0;
    }
    assert_true(next == n + 1);
    assert_true(max - min <= 1);
    assert_true(empty == (k > n ? k - n : 0));
}

static void test_split_small(void **state)
{
    (void)state;
    for (uint64_t n = 0; n <= 300; n++) {
        for (unsigned k = 1; k <= 300; k++)
            check_split(n, k);
    }
    check_split(0, WORK_MAX_K);
    check_split(1, WORK_MAX_K);
    check_split(1023, WORK_MAX_K);
    check_split(1025, WORK_MAX_K);
}

/* No overflow in the boundaries (n * i), even for n far beyond WORK_MAX_N. */
static void test_split_large(void **state)
{
    (void)state;
    check_split(WORK_MAX_N, 1);
    check_split(WORK_MAX_N, 7);
    check_split(WORK_MAX_N, WORK_MAX_K);
    check_split(UINT64_MAX - 1, 3);
    check_split(UINT64_MAX - 1, WORK_MAX_K);
}

/* Specific ranges, so that a split that is consistent but not the
 * documented one (floor(n * i / k) boundaries) shows. */
static void test_split_examples(void **state)
{
    struct work_range r;

    (void)state;
    r = work_split(10, 3, 0);
    assert_true(r.first == 1 && r.count == 3);
    r = work_split(10, 3, 1);
    assert_true(r.first == 4 && r.count == 3);
    r = work_split(10, 3, 2);
    assert_true(r.first == 7 && r.count == 4);
    /* k > n: {}, {1}, {}, {2} */
    r = work_split(2, 4, 0);
    assert_true(r.count == 0);
    r = work_split(2, 4, 1);
    assert_true(r.first == 1 && r.count == 1);
    r = work_split(2, 4, 2);
    assert_true(r.count == 0);
    r = work_split(2, 4, 3);
    assert_true(r.first == 2 && r.count == 1);
    r = work_split(0, 1, 0);
    assert_true(r.first == 1 && r.count == 0);
}

static void test_closed_form_limit(void **state)
{
    unsigned __int128 s;
    char text[NUM_U128_DIGITS + 1];

    (void)state;
    assert_true(closed_form(WORK_MAX_N, &s));
    num_format_u128(s, text);
    assert_string_equal(text, "340282366920839261491266184731045101920");
    assert_false(closed_form(WORK_MAX_N + 1, &s)); /* the limit is the limit */
    assert_true(closed_form(10, &s));
    assert_true(s == 385);
}

static void test_sum_small(void **state)
{
    unsigned __int128 want;

    (void)state;
    assert_true(sum_of((struct work_range){.first = 1, .count = 0}) == 0);
    for (uint64_t n = 0; n <= 3000; n++) {
        assert_true(closed_form(n, &want));
        assert_true(sum_of((struct work_range){.first = 1, .count = n}) == want);
    }
}

/* The partials of every split add up to the closed form. */
static void test_sum_of_split(void **state)
{
    static const uint64_t ns[] = {0, 1, 2, 3, 10, 999, 1000, 1001, 65537, 1000000};
    static const unsigned ks[] = {1, 2, 3, 7, 64, 1000, 1023, 1024};
    unsigned __int128 want, total;

    (void)state;
    for (size_t a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
        for (size_t b = 0; b < sizeof(ks) / sizeof(ks[0]); b++) {
            total = 0;
            for (unsigned i = 0; i < ks[b]; i++)
                total += sum_of(work_split(ns[a], ks[b], i));
            assert_true(closed_form(ns[a], &want));
            assert_true(total == want);
        }
    }
}

/* Terms near WORK_MAX_N are over 2^86: 64-bit arithmetic anywhere shows. */
static void test_sum_top(void **state)
{
    unsigned __int128 all, below;
    const uint64_t count = 100000;

    (void)state;
    assert_true(closed_form(WORK_MAX_N, &all));
    assert_true(closed_form(WORK_MAX_N - count, &below));
    assert_true(sum_of((struct work_range){.first = WORK_MAX_N - count + 1, .count = count}) ==
                all - below);
    /* Across 2^32, where i * i stops fitting in 64 bits. */
    assert_true(closed_form(UINT64_C(1) << 32, &all));
    assert_true(closed_form((UINT64_C(1) << 32) - 10, &below));
    assert_true(sum_of((struct work_range){.first = (UINT64_C(1) << 32) - 9, .count = 10}) ==
                all - below);
}

/* Across the chunks between looks at the stop flag. */
static void test_sum_chunks(void **state)
{
    static const uint64_t counts[] = {WORK_STOP_EVERY - 1, WORK_STOP_EVERY, WORK_STOP_EVERY + 1,
                                      2 * WORK_STOP_EVERY + 3};
    atomic_bool stop = false;
    unsigned __int128 want, s;

    (void)state;
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        struct work_range r = {.first = 1, .count = counts[i]};

        assert_true(closed_form(counts[i], &want));
        assert_int_equal(work_sum_squares(&r, &stop, &s), 0);
        assert_true(s == want);
    }
}

/* A raised flag stops the loop, and *sum keeps its value. */
static void test_sum_stop(void **state)
{
    atomic_bool stop = true;
    struct work_range r = {.first = 1, .count = WORK_MAX_N};
    unsigned __int128 s = 77;

    (void)state;
    assert_int_equal(work_sum_squares(&r, &stop, &s), -ECANCELED);
    assert_true(s == 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_small),
        cmocka_unit_test(test_split_large),
        cmocka_unit_test(test_split_examples),
        cmocka_unit_test(test_closed_form_limit),
        cmocka_unit_test(test_sum_small),
        cmocka_unit_test(test_sum_of_split),
        cmocka_unit_test(test_sum_top),
        cmocka_unit_test(test_sum_chunks),
        cmocka_unit_test(test_sum_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
