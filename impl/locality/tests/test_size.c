/* Unit tests for size.c: working-set sizes with their units, counts, and
 * sizes printed back for people. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "size.h"

static void check_size(const char *s, uint64_t want)
{
    uint64_t v = 0;

    if (loc_parse_size(s, &v) != 0 || v != want)
        fail_msg("'%s': got %llu (rc %d), want %llu", s, (unsigned long long)v,
                 loc_parse_size(s, &v), (unsigned long long)want);
}

static void test_units(void **state)
{
    (void)state;
    check_size("1024", 1024);
    check_size("1K", 1024);
    check_size("1k", 1024);
    check_size("1KiB", 1024);
    check_size("4K", 4096);
    check_size("4096", 4096);
    check_size("1M", 1 << 20);
    check_size("1m", 1 << 20);
    check_size("1MiB", 1 << 20);
    check_size("512M", (uint64_t)512 << 20);
    check_size("1G", (uint64_t)1 << 30);
    check_size("1GiB", (uint64_t)1 << 30);
    check_size("64G", (uint64_t)64 << 30);
    check_size("65536M", (uint64_t)64 << 30);
    check_size("0004K", 4096); /* leading zeros are digits like any other */
}

static void check_bad(const char *s, int rc)
{
    uint64_t v = 77;
    int got = loc_parse_size(s, &v);

    if (got != rc || v != 77)
        fail_msg("'%s': rc %d (want %d), value %llu (want it untouched)", s, got, rc,
                 (unsigned long long)v);
}

static void test_not_a_size(void **state)
{
    static const char *const bad[] = {
        "", "K", "abc", "4X", "-4K", "+4K", "1.5K", "4K4", "0x1000", "4 K", " 4K",
        "4K ", "4KB", "4Ki", "4iB", "4KiBB", "4T", "99999999999999999999999X",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_bad(bad[i], -EINVAL);
}

static void test_out_of_range(void **state)
{
    static const char *const bad[] = {
        "0", "512", "1000", "3K", "5000", "1536", "128G", "65G", "131072M",
        "99999999999999999999999999", "99999999999999999999999G", "18446744073709551616",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_bad(bad[i], -ERANGE);
}

static void test_count(void **state)
{
    uint64_t v = 5;

    (void)state;
    assert_int_equal(loc_parse_count("1", 1, 1024, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(loc_parse_count("1024", 1, 1024, &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(loc_parse_count("0", 1, 1024, &v), -ERANGE);
    assert_int_equal(loc_parse_count("1025", 1, 1024, &v), -ERANGE);
    assert_int_equal(loc_parse_count("184467440737095516160", 1, 1024, &v), -ERANGE);
    assert_int_equal(loc_parse_count("", 1, 1024, &v), -EINVAL);
    assert_int_equal(loc_parse_count("-1", 1, 1024, &v), -EINVAL);
    assert_int_equal(loc_parse_count("1.5", 1, 1024, &v), -EINVAL);
    assert_int_equal(loc_parse_count("4K", 1, 1024, &v), -EINVAL);
    assert_int_equal(v, 1024);
}

static void test_format(void **state)
{
    char buf[LOC_SIZE_TEXT];

    (void)state;
    assert_string_equal(loc_format_size(1024, buf), "1K");
    assert_string_equal(loc_format_size(4096, buf), "4K");
    assert_string_equal(loc_format_size(1536, buf), "1536");
    assert_string_equal(loc_format_size(1000, buf), "1000");
    assert_string_equal(loc_format_size((uint64_t)256 << 20, buf), "256M");
    assert_string_equal(loc_format_size((uint64_t)1 << 30, buf), "1G");
    assert_string_equal(loc_format_size((uint64_t)1 << 40, buf), "1024G");
    assert_string_equal(loc_format_size(0, buf), "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),        cmocka_unit_test(test_not_a_size),
        cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_count),
        cmocka_unit_test(test_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
