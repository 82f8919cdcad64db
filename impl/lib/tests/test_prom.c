/* Unit tests for prom.c: label escaping, seconds, sample lines with and
 * without labels, bucket choice and the exact text of a histogram. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

#define MS 1000000ull
#define S  1000000000ull

/* What b holds, as a NUL-terminated string (the caller frees it). */
static char *text_of(const struct buf *b)
{
    char *s = malloc(buf_len(b) + 1);

    assert_non_null(s);
    memcpy(s, buf_peek(b), buf_len(b));
    s[buf_len(b)] = '\0';
    return s;
}

static void test_escape_label(void **state)
{
    char out[64];
    size_t n;

    (void)state;
    n = prom_escape_label("a\"b\\c\nd/{e}", 11, out);
    assert_int_equal(n, 14);
    assert_memory_equal(out, "a\\\"b\\\\c\\nd/{e}", n);
    assert_int_equal(prom_escape_label("", 0, out), 0);
}

static void test_seconds(void **state)
{
    static const struct {
        uint64_t ns;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1, "0.000000001"},
        {500000, "0.0005"},
        {731000, "0.000731"},
        {2 * S, "2"},
        {60 * S, "60"},
        {120 * S + 306 * MS + 1, "120.306000001"},
        {UINT64_MAX, "18446744073.709551615"},
    };
    char out[PROM_SECONDS_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(prom_seconds(cases[i].ns, out), strlen(cases[i].want));
        assert_string_equal(out, cases[i].want);
    }
}

static void test_family_and_samples(void **state)
{
    static const char want[] = "# HELP up Whether it runs.\n"
                               "# TYPE up gauge\n"
                               "up 1\n"
                               "up{job=\"a\"} -2\n"
                               "up{code=\"200\"} 3\n"
                               "up{job=\"a\",code=\"200\"} 18446744073709551615\n";
    struct buf b;
    char *got;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(prom_family(&b, "up", "gauge", "Whether it runs."), 0);
    assert_int_equal(prom_sample(&b, "up", NULL, "", "%d", 1), 0);
    assert_int_equal(prom_sample(&b, "up", "job=\"a\"", NULL, "%d", -2), 0);
    assert_int_equal(prom_sample(&b, "up", "", "code=\"200\"", "%d", 3), 0);
    assert_int_equal(prom_sample(&b, "up", "job=\"a\"", "code=\"200\"", "%" PRIu64, UINT64_MAX), 0);
    got = text_of(&b);
    assert_string_equal(got, want);
    free(got);
    buf_free(&b);
}

/* A bucket's le is inclusive: a duration equal to a bound is in it. */
static void test_bucket(void **state)
{
    static const uint64_t bounds[] = {1 * MS, 5 * MS, 1 * S};
    const struct prom_buckets b = {bounds, 3};

    (void)state;
    assert_int_equal(prom_bucket(&b, 0), 0);
    assert_int_equal(prom_bucket(&b, 1 * MS), 0);
    assert_int_equal(prom_bucket(&b, 1 * MS + 1), 1);
    assert_int_equal(prom_bucket(&b, 5 * MS), 1);
    assert_int_equal(prom_bucket(&b, 1 * S), 2);
    assert_int_equal(prom_bucket(&b, 1 * S + 1), 3);
}

static void test_histogram(void **state)
{
    static const char want[] = "d_bucket{r=\"x\",le=\"0.0005\"} 1\n"
                               "d_bucket{r=\"x\",le=\"0.25\"} 1\n"
                               "d_bucket{r=\"x\",le=\"10\"} 3\n"
                               "d_bucket{r=\"x\",le=\"+Inf\"} 4\n"
                               "d_sum{r=\"x\"} 12.0013\n"
                               "d_count{r=\"x\"} 4\n"
                               "e_bucket{le=\"0.0005\"} 0\n"
                               "e_bucket{le=\"0.25\"} 0\n"
                               "e_bucket{le=\"10\"} 0\n"
                               "e_bucket{le=\"+Inf\"} 0\n"
                               "e_sum 0\n"
                               "e_count 0\n";
    static const uint64_t bounds[] = {500000, 250 * MS, 10 * S};
    const struct prom_buckets b = {bounds, 3};
    const uint64_t counts[] = {1, 0, 2, 1}, none[] = {0, 0, 0, 0};
    struct buf out;
    char *got;

    (void)state;
    buf_init(&out, 4096);
    assert_int_equal(prom_histogram(&out, "d", "r=\"x\"", &b, counts, 12 * S + 1300 * 1000), 0);
    assert_int_equal(prom_histogram(&out, "e", NULL, &b, none, 0), 0);
    got = text_of(&out);
    assert_string_equal(got, want);
    free(got);
    buf_free(&out);
}

/* A buffer too small is an error, never a text cut short in silence. */
static void test_small_buffer(void **state)
{
    static const uint64_t bounds[] = {1 * MS};
    const struct prom_buckets b = {bounds, 1};
    const uint64_t counts[] = {1, 1};
    struct buf out;

    (void)state;
    buf_init(&out, 40);
    assert_int_equal(prom_histogram(&out, "a_long_metric_name", "k=\"v\"", &b, counts, 0),
                     -ENOBUFS);
    buf_free(&out);
    buf_init(&out, 8);
    assert_int_equal(prom_family(&out, "up", "gauge", "Whether it runs."), -ENOBUFS);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_label),       cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_family_and_samples), cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_histogram),          cmocka_unit_test(test_small_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
