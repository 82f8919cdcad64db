/* Unit tests for metrics.c: counting, histogram buckets, label escaping
 * and the exact text of the exposition. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MS 1000000ull

/* The exposition of m as a NUL-terminated string (the caller frees it). */
static char *expose(const struct metrics *m)
{
    struct buf b;
    char *s;

    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_write(m, &b), 0);
    s = malloc(buf_len(&b) + 1);
    assert_non_null(s);
    memcpy(s, buf_peek(&b), buf_len(&b));
    s[buf_len(&b)] = '\0';
    buf_free(&b);
    return s;
}

/* REQ: SIDECAR-040 */
/* REQ: SIDECAR-041 */
/* REQ: SIDECAR-042 */
/* REQ: SIDECAR-043 */
static void test_exact_exposition(void **state)
{
    static const char want[] =
        "# HELP sidecar_requests_total Requests forwarded, by method and response status code.\n"
        "# TYPE sidecar_requests_total counter\n"
        "sidecar_requests_total{service=\"shop\",method=\"GET\",code=\"200\"} 2\n"
        "sidecar_requests_total{service=\"shop\",method=\"GET\",code=\"404\"} 1\n"
        "sidecar_requests_total{service=\"shop\",method=\"POST\",code=\"502\"} 1\n"
        "# HELP sidecar_request_duration_seconds Time from a complete request head to the end "
        "of its exchange.\n"
        "# TYPE sidecar_request_duration_seconds histogram\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.001\"} 1\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.0025\"} 1\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.005\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.01\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.025\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.05\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.1\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.25\"} 2\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"0.5\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"1\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"2.5\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"5\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"10\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"60\"} 3\n"
        "sidecar_request_duration_seconds_bucket{service=\"shop\",le=\"+Inf\"} 4\n"
        "sidecar_request_duration_seconds_sum{service=\"shop\"} 120.306000001\n"
        "sidecar_request_duration_seconds_count{service=\"shop\"} 4\n"
        "# HELP sidecar_upstream_errors_total Requests that failed on the upstream side "
        "(connect, reset, timeout).\n"
        "# TYPE sidecar_upstream_errors_total counter\n"
        "sidecar_upstream_errors_total{service=\"shop\"} 1\n"
        "# HELP sidecar_in_flight Requests received and not finished yet.\n"
        "# TYPE sidecar_in_flight gauge\n"
        "sidecar_in_flight{service=\"shop\"} 2\n";
    struct metrics *m = malloc(sizeof(*m));
    char *got;

    (void)state;
    assert_non_null(m);
    assert_int_equal(metrics_init(m, "shop"), 0);
    metrics_observe(m, "GET", 200, 1 * MS); /* exactly on a bound: le is <= */
    metrics_observe(m, "GET", 200, 5 * MS);
    metrics_observe(m, "GET", 404, 300 * MS);
    metrics_observe(m, "POST", 502, 120 * 1000 * MS + 1); /* past the last bound */
    m->upstream_errors = 1;
    m->in_flight = 2;
    got = expose(m);
    assert_string_equal(got, want);
    free(got);
    metrics_free(m);
    free(m);
}

/* REQ: SIDECAR-043 */
static void test_buckets_cumulative_and_inf_is_count(void **state)
{
    struct metrics *m = malloc(sizeof(*m));
    char *text, *line, *save = NULL;
    uint64_t prev = 0, inf = UINT64_MAX, count = 0;
    int buckets = 0;

    (void)state;
    assert_non_null(m);
    assert_int_equal(metrics_init(m, "s"), 0);
    for (uint64_t i = 0; i < 1000; i++)
        metrics_observe(m, "GET", 200, i * i * 7919 % (90000 * MS));
    text = expose(m);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        const char *sp = strrchr(line, ' ');
        uint64_t v = strtoull(sp + 1, NULL, 10);
        if (strncmp(line, "sidecar_request_duration_seconds_bucket", 39) == 0) {
            assert_true(v >= prev);
            prev = v;
            buckets++;
            if (strstr(line, "le=\"+Inf\"") != NULL)
                inf = v;
        } else if (strncmp(line, "sidecar_request_duration_seconds_count", 38) == 0) {
            count = v;
        }
    }
    assert_int_equal(buckets, METRICS_BUCKETS + 1);
    assert_int_equal(count, 1000);
    assert_int_equal(inf, count);
    free(text);
    metrics_free(m);
    free(m);
}

/* REQ: SIDECAR-046 */
static void test_label_escaping(void **state)
{
    struct metrics *m = malloc(sizeof(*m));
    char *text;

    (void)state;
    assert_non_null(m);
    assert_int_equal(metrics_init(m, "we\"ird\\name\n2"), 0);
    text = expose(m);
    assert_non_null(strstr(text, "sidecar_in_flight{service=\"we\\\"ird\\\\name\\n2\"} 0\n"));
    free(text);
    metrics_free(m);
    free(m);
}

/* REQ: SIDECAR-047 */
static void test_methods_bounded(void **state)
{
    struct metrics *m = malloc(sizeof(*m));
    char *text;
    char method[16];

    (void)state;
    assert_non_null(m);
    assert_int_equal(metrics_init(m, "s"), 0);
    for (int i = 0; i < 100; i++) {
        snprintf(method, sizeof(method), "BREW%d", i);
        metrics_observe(m, method, 501, MS);
    }
    metrics_observe(m, "get", 200, MS); /* methods are case-sensitive (RFC 9110 §9.1) */
    metrics_observe(m, "PATCH", 999, MS);
    text = expose(m);
    assert_non_null(strstr(text, "method=\"OTHER\",code=\"501\"} 100\n"));
    assert_non_null(strstr(text, "method=\"OTHER\",code=\"200\"} 1\n"));
    assert_non_null(strstr(text, "method=\"PATCH\",code=\"0\"} 1\n"));
    assert_null(strstr(text, "BREW"));
    assert_int_equal(metrics_method_index("DELETE"), 4);
    free(text);
    metrics_free(m);
    free(m);
}

/* A buffer too small for the whole text is an error, not a cut-off
 * exposition served as if complete. */
static void test_small_buffer(void **state)
{
    struct metrics *m = malloc(sizeof(*m));
    struct buf b;

    (void)state;
    assert_non_null(m);
    assert_int_equal(metrics_init(m, "s"), 0);
    buf_init(&b, 100);
    assert_int_equal(metrics_write(m, &b), -ENOBUFS);
    buf_free(&b);
    metrics_free(m);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_exposition),
        cmocka_unit_test(test_buckets_cumulative_and_inf_is_count),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_methods_bounded),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
