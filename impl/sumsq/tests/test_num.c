/* Unit tests for num: printing unsigned 128-bit numbers in decimal, and
 * parsing N and K with their range checks. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "num.h"
#include "work.h"

static void check_format(unsigned __int128 v, const char *want)
{
    char buf[NUM_U128_DIGITS + 1];

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(num_format_u128(v, buf), strlen(want));
    assert_string_equal(buf, want);
}

static void test_format_small(void **state)
{
    (void)state;
    check_format(0, "0");
    check_format(1, "1");
    check_format(9, "9");
    check_format(10, "10");
    check_format(385, "385");
    check_format(UINT64_MAX, "18446744073709551615");
}

/* Past 64 bits, where printf("%llu") can no longer help. */
static void test_format_wide(void **state)
{
    unsigned __int128 two64 = (unsigned __int128)1 << 64;
    unsigned __int128 all = ~(unsigned __int128)0;
    /* The sum of squares of 1..WORK_MAX_N, built from its two 64-bit
     * halves (C has no 128-bit literals). */
    unsigned __int128 top =
        ((unsigned __int128)UINT64_C(18446744073704173866) << 64) | UINT64_C(5833968840479834464);

    (void)state;
    check_format(two64, "18446744073709551616");
    check_format(two64 - 1 + two64, "36893488147419103231");
    check_format(all, "340282366920938463463374607431768211455");
    check_format(top, "340282366920839261491266184731045101920");
}

/* Every power of ten is a 1 and the right number of zeros, and the number
 * just below it as many nines: a digit lost or doubled at any position
 * shows. */
static void test_format_powers_of_ten(void **state)
{
    unsigned __int128 v = 10;
    char want[NUM_U128_DIGITS + 2];

    (void)state;
    check_format(1, "1");
    for (int zeros = 1; zeros <= 38; zeros++) {
        want[0] = '1';
        memset(want + 1, '0', (size_t)zeros);
        want[zeros + 1] = '\0';
        check_format(v, want);
        memset(want, '9', (size_t)zeros);
        want[zeros] = '\0';
        check_format(v - 1, want);
        v *= 10;
    }
}

static void test_parse_valid(void **state)
{
    uint64_t v = 99;

    (void)state;
    assert_int_equal(num_parse_u64("0", 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(num_parse_u64("7", 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(num_parse_u64("10", 10, &v), 0); /* max itself */
    assert_int_equal(v, 10);
    assert_int_equal(num_parse_u64("007", 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(num_parse_u64("000000000000000000000000000000001", 1, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(num_parse_u64("10069012961344", WORK_MAX_N, &v), 0);
    assert_true(v == WORK_MAX_N);
    assert_int_equal(num_parse_u64("1024", WORK_MAX_K, &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(num_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(num_parse_u64("0", 0, &v), 0);
    assert_int_equal(v, 0);
}

/* Too big is -ERANGE however far past max, including past 2^64, where a
 * parser that multiplies first would wrap around to a small value. */
static void test_parse_range(void **state)
{
    static const char *const big[] = {
        "10069012961345",
        "20138025922688",
        "18446744073709551615",
        "18446744073709551616",
        "18446744073709551617",
        "36893488147419103232", /* 2^65: wraps to 0 in 64 bits */
        "340282366920938463463374607431768211456",
        "99999999999999999999999999999999999999999999999999",
    };
    uint64_t v = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        assert_int_equal(num_parse_u64(big[i], WORK_MAX_N, &v), -ERANGE);
        assert_int_equal(v, 99); /* untouched */
    }
    assert_int_equal(num_parse_u64("1025", WORK_MAX_K, &v), -ERANGE);
    assert_int_equal(num_parse_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
    /* A digit bigger than max on its own (max - d would wrap). */
    assert_int_equal(num_parse_u64("5", 0, &v), -ERANGE);
    assert_int_equal(num_parse_u64("5", 4, &v), -ERANGE);
    assert_int_equal(v, 99);
}

static void test_parse_invalid(void **state)
{
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1\n", "0x10", "1e3", "1.0", "1,000", "abc",
        "99999999999999999999999999x", /* not a number, even though too big first */
    };
    uint64_t v = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(num_parse_u64(bad[i], WORK_MAX_N, &v), -EINVAL);
        assert_int_equal(v, 99);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_small),
        cmocka_unit_test(test_format_wide),
        cmocka_unit_test(test_format_powers_of_ten),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_parse_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
