/* Unit tests for ratelimit.c with a fake clock: the burst, the refill,
 * Retry-After rounding, separate clients, the sweep of full buckets, the
 * bound on the table, and rate 0. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

#define S  1000000000ull
#define MS 1000000ull

/* Any start: the limiter must not assume the clock starts at 0. */
#define T0 (1000 * S)

static struct ratelimit *open_rl(unsigned rate, unsigned burst, size_t max)
{
    struct ratelimit *rl = NULL;

    assert_int_equal(rl_open(rate, burst, max, &rl), 0);
    assert_non_null(rl);
    return rl;
}

/* REQ: ITEMS-070 */
static void test_burst_then_refused(void **state)
{
    struct ratelimit *rl = open_rl(2, 5, 100);

    (void)state;
    for (int i = 0; i < 5; i++)
        assert_int_equal(rl_take(rl, "10.0.0.1", T0), 0);
    assert_int_not_equal(rl_take(rl, "10.0.0.1", T0), 0);
    assert_int_not_equal(rl_take(rl, "10.0.0.1", T0), 0);
    rl_close(rl);
}

/* REQ: ITEMS-070 */
static void test_refill_at_rate_never_past_burst(void **state)
{
    struct ratelimit *rl = open_rl(4, 2, 100);
    int passed = 0;

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0);
    assert_int_equal(rl_take(rl, "a", T0), 0);
    assert_int_not_equal(rl_take(rl, "a", T0), 0);
    /* One token every 250 ms. */
    assert_int_not_equal(rl_take(rl, "a", T0 + 249 * MS), 0);
    assert_int_equal(rl_take(rl, "a", T0 + 250 * MS), 0);
    assert_int_not_equal(rl_take(rl, "a", T0 + 250 * MS), 0);
    /* A long rest fills the bucket to the burst, not beyond. */
    for (int i = 0; i < 10; i++)
        passed += rl_take(rl, "a", T0 + 3600 * S) == 0;
    assert_int_equal(passed, 2);
    /* Refused requests take nothing: after 250 ms one token is there. */
    assert_int_equal(rl_take(rl, "a", T0 + 3600 * S + 250 * MS), 0);
    rl_close(rl);
}

/* Partial tokens add up: at rate 3, a token every 333.33 ms. */
static void test_fractional_refill(void **state)
{
    struct ratelimit *rl = open_rl(3, 1, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0);
    assert_int_not_equal(rl_take(rl, "a", T0 + 333333333), 0);
    assert_int_equal(rl_take(rl, "a", T0 + 333333334), 0);
    /* Three steps of 1/9 s make one third of a second. */
    assert_int_not_equal(rl_take(rl, "a", T0 + 333333334 + 111111111), 0);
    assert_int_not_equal(rl_take(rl, "a", T0 + 333333334 + 222222222), 0);
    assert_int_equal(rl_take(rl, "a", T0 + 333333334 + 333333334), 0);
    rl_close(rl);
}

/* REQ: ITEMS-071 */
static void test_retry_after_rounds_up(void **state)
{
    struct ratelimit *rl = open_rl(1, 1, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0);
    /* A whole second to wait: 1. */
    assert_int_equal(rl_take(rl, "a", T0), 1);
    /* 1 ns to wait: still 1, never 0. */
    assert_int_equal(rl_take(rl, "a", T0 + S - 1), 1);
    /* And the token is there once that time has passed. */
    assert_int_equal(rl_take(rl, "a", T0 + S), 0);
    rl_close(rl);
}

/* REQ: ITEMS-072 */
static void test_clients_are_separate(void **state)
{
    struct ratelimit *rl = open_rl(1, 2, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "127.0.0.2", T0), 0);
    assert_int_equal(rl_take(rl, "127.0.0.2", T0), 0);
    assert_int_not_equal(rl_take(rl, "127.0.0.2", T0), 0);
    assert_int_equal(rl_take(rl, "127.0.0.3", T0), 0);
    assert_int_equal(rl_take(rl, "127.0.0.3", T0), 0);
    assert_int_equal(rl_take(rl, "::1", T0), 0);
    /* A prefix of another key is another key. */
    assert_int_equal(rl_take(rl, "127.0.0.", T0), 0);
    assert_int_equal(rl_take(rl, "127.0.0.2 ", T0), 0);
    assert_int_not_equal(rl_take(rl, "127.0.0.2", T0), 0);
    assert_int_equal(rl_clients(rl), 5);
    rl_close(rl);
}

/* REQ: ITEMS-075 */
static void test_sweep_drops_full_buckets(void **state)
{
    struct ratelimit *rl = open_rl(1, 3, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0); /* a: 2 of 3 */
    assert_int_equal(rl_take(rl, "b", T0), 0); /* b: 2 of 3 */
    assert_int_equal(rl_take(rl, "b", T0), 0); /* b: 1 of 3 */
    assert_int_equal(rl_clients(rl), 2);
    assert_int_equal(rl_sweep(rl, T0 + S - 1), 2); /* a is not full yet */
    assert_int_equal(rl_sweep(rl, T0 + S), 1);     /* a is, b needs 2 s */
    assert_int_equal(rl_sweep(rl, T0 + 2 * S - 1), 1);
    assert_int_equal(rl_sweep(rl, T0 + 2 * S), 0);
    /* A client seen again starts full, as if it had never left. */
    assert_int_equal(rl_take(rl, "b", T0 + 2 * S), 0);
    assert_int_equal(rl_take(rl, "b", T0 + 2 * S), 0);
    assert_int_equal(rl_take(rl, "b", T0 + 2 * S), 0);
    assert_int_not_equal(rl_take(rl, "b", T0 + 2 * S), 0);
    rl_close(rl);
}

/* REQ: ITEMS-075 */
static void test_take_sweeps_once_a_second(void **state)
{
    struct ratelimit *rl = open_rl(1000, 1, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0); /* the first call sweeps (nothing) */
    /* a is full after 1 ms, but the next sweep is due only a second on. */
    assert_int_equal(rl_take(rl, "b", T0 + 500 * MS), 0);
    assert_int_equal(rl_clients(rl), 2);
    assert_int_equal(rl_take(rl, "c", T0 + S), 0);
    /* That call swept a and b (both full) before adding c. */
    assert_int_equal(rl_clients(rl), 1);
    rl_close(rl);
}

static void test_bound_reclaims_least_recently_used(void **state)
{
    struct ratelimit *rl = open_rl(1, 2, 3);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0), 0);
    assert_int_equal(rl_take(rl, "b", T0 + 1), 0);
    assert_int_equal(rl_take(rl, "c", T0 + 2), 0);
    assert_int_equal(rl_take(rl, "a", T0 + 3), 0); /* a: 0 tokens, most recently used */
    assert_int_equal(rl_clients(rl), 3);
    /* d does not fit: b, the least recently used, is reclaimed. */
    assert_int_equal(rl_take(rl, "d", T0 + 4), 0);
    assert_int_equal(rl_clients(rl), 3);
    /* a kept its empty bucket; b starts again with a full one. */
    assert_int_not_equal(rl_take(rl, "a", T0 + 5), 0);
    assert_int_equal(rl_take(rl, "b", T0 + 6), 0);
    assert_int_equal(rl_take(rl, "b", T0 + 7), 0);
    assert_int_equal(rl_clients(rl), 3);
    rl_close(rl);
}

/* The service's bound: 100000 addresses, and never more buckets. */
static void test_many_clients_stay_bounded(void **state)
{
    struct ratelimit *rl = open_rl(1, 5, RL_MAX_CLIENTS);
    char key[64];

    (void)state;
    for (unsigned i = 0; i < RL_MAX_CLIENTS + 5000; i++) {
        snprintf(key, sizeof(key), "2001:db8::%x:%x", i >> 16, i & 0xffff);
        assert_int_equal(rl_take(rl, key, T0 + i), 0);
    }
    assert_int_equal(rl_clients(rl), RL_MAX_CLIENTS);
    /* The newest are still there: their second request takes a token. */
    assert_int_equal(rl_take(rl, key, T0 + 200000), 0);
    assert_int_equal(rl_clients(rl), RL_MAX_CLIENTS);
    assert_int_equal(rl_sweep(rl, T0 + 3600 * S), 0);
    rl_close(rl);
}

/* REQ: ITEMS-074 */
static void test_rate_zero_is_no_limit(void **state)
{
    struct ratelimit *rl = open_rl(0, 0, 100);

    (void)state;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rl_take(rl, "a", T0), 0);
    assert_int_equal(rl_clients(rl), 0);
    assert_int_equal(rl_sweep(rl, T0), 0);
    rl_close(rl);
}

/* burst 0 means burst = rate. */
static void test_default_burst_is_rate(void **state)
{
    struct ratelimit *rl = open_rl(3, 0, 100);
    int passed = 0;

    (void)state;
    for (int i = 0; i < 10; i++)
        passed += rl_take(rl, "a", T0) == 0;
    assert_int_equal(passed, 3);
    rl_close(rl);
}

/* A clock read before the bucket's last update (another thread won the
 * lock with a later reading) neither refills nor breaks anything. */
static void test_clock_read_out_of_order(void **state)
{
    struct ratelimit *rl = open_rl(1, 2, 100);

    (void)state;
    assert_int_equal(rl_take(rl, "a", T0 + 10), 0);
    assert_int_equal(rl_take(rl, "a", T0 + 5), 0);
    assert_int_not_equal(rl_take(rl, "a", T0), 0);
    assert_int_not_equal(rl_take(rl, "a", T0 + S), 0); /* 1 s after T0+10 is not yet */
    assert_int_equal(rl_take(rl, "a", T0 + 10 + S), 0);
    rl_close(rl);
}

/* SipHash-2-4 against the reference implementation's test vectors (key
 * 00 01 .. 0f, messages 00 01 .. of length 0 and 15). */
static void test_siphash_vectors(void **state)
{
    uint8_t key[16], msg[15];

    (void)state;
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    assert_true(rl_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(rl_siphash(key, msg, 15) == 0xa129ca6149be45e5ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refused),
        cmocka_unit_test(test_refill_at_rate_never_past_burst),
        cmocka_unit_test(test_fractional_refill),
        cmocka_unit_test(test_retry_after_rounds_up),
        cmocka_unit_test(test_clients_are_separate),
        cmocka_unit_test(test_sweep_drops_full_buckets),
        cmocka_unit_test(test_take_sweeps_once_a_second),
        cmocka_unit_test(test_bound_reclaims_least_recently_used),
        cmocka_unit_test(test_many_clients_stay_bounded),
        cmocka_unit_test(test_rate_zero_is_no_limit),
        cmocka_unit_test(test_default_burst_is_rate),
        cmocka_unit_test(test_clock_read_out_of_order),
        cmocka_unit_test(test_siphash_vectors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
