/* Unit tests for metrics.c: the exact exposition of a small registry,
 * cumulative buckets, label values, and promtool's verdict on the text. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

/* The exposition as a NUL-terminated string (the caller frees it). */
static char *expose(struct metrics *m, uint64_t clients, uint64_t items)
{
    struct metrics_gauges g = {.rate_limit_clients = clients, .items_stored = items};
    struct buf b;
    char *s;

    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_write(m, &g, &b), 0);
    s = malloc(buf_len(&b) + 1);
    assert_non_null(s);
    memcpy(s, buf_peek(&b), buf_len(&b));
    s[buf_len(&b)] = '\0';
    buf_free(&b);
    return s;
}

static struct metrics *open_metrics(void)
{
    struct metrics *m = NULL;

    assert_int_equal(metrics_open(&m), 0);
    assert_non_null(m);
    return m;
}

/* REQ: ITEMS-082 */
/* REQ: ITEMS-083 */
/* REQ: ITEMS-085 */
static void test_exact_exposition(void **state)
{
    static const char want[] =
        "# HELP http_requests_total Requests answered, by method, route and status.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"} 2\n"
        "http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"404\"} 1\n"
        "http_requests_total{method=\"POST\",route=\"/items\",status=\"201\"} 1\n"
        "# HELP http_request_duration_seconds Time from a complete request head to its "
        "response, by method and route.\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.0005\"} "
        "1\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.001\"} "
        "2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.0025\"} "
        "2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.005\"} "
        "2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.01\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.025\"} "
        "2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.05\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.1\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.25\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"0.5\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"1\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"2.5\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"5\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"10\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/{id}\",le=\"+Inf\"} 3\n"
        "http_request_duration_seconds_sum{method=\"GET\",route=\"/items/{id}\"} 12.0013\n"
        "http_request_duration_seconds_count{method=\"GET\",route=\"/items/{id}\"} 3\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.0005\"} 0\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.001\"} 0\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.0025\"} 0\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.005\"} 0\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.01\"} 0\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.025\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.05\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.1\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.25\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"0.5\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"1\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"2.5\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"5\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"10\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"POST\",route=\"/items\",le=\"+Inf\"} 1\n"
        "http_request_duration_seconds_sum{method=\"POST\",route=\"/items\"} 0.025\n"
        "http_request_duration_seconds_count{method=\"POST\",route=\"/items\"} 1\n"
        "# HELP active_connections Client connections open now.\n"
        "# TYPE active_connections gauge\n"
        "active_connections 2\n"
        "# HELP rate_limit_clients Client addresses holding a token bucket.\n"
        "# TYPE rate_limit_clients gauge\n"
        "rate_limit_clients 4\n"
        "# HELP items_stored Items in the store.\n"
        "# TYPE items_stored gauge\n"
        "items_stored 12\n";
    struct metrics *m = open_metrics();
    char *got;

    (void)state;
    /* 0.3 ms, exactly 1 ms (le is inclusive), 12 s (past every bound). */
    metrics_observe(m, "GET", "/items/{id}", 200, 300 * US);
    metrics_observe(m, "GET", "/items/{id}", 200, 1 * MS);
    metrics_observe(m, "GET", "/items/{id}", 404, 12 * S);
    metrics_observe(m, "POST", "/items", 201, 25 * MS);
    metrics_connections(m, +1);
    metrics_connections(m, +1);
    metrics_connections(m, +1);
    metrics_connections(m, -1);
    got = expose(m, 4, 12);
    assert_string_equal(got, want);
    free(got);
    metrics_close(m);
}

/* REQ: ITEMS-082 */
static void test_empty_registry(void **state)
{
    static const char want[] =
        "# HELP http_requests_total Requests answered, by method, route and status.\n"
        "# TYPE http_requests_total counter\n"
        "# HELP http_request_duration_seconds Time from a complete request head to its "
        "response, by method and route.\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "# HELP active_connections Client connections open now.\n"
        "# TYPE active_connections gauge\n"
        "active_connections 0\n"
        "# HELP rate_limit_clients Client addresses holding a token bucket.\n"
        "# TYPE rate_limit_clients gauge\n"
        "rate_limit_clients 0\n"
        "# HELP items_stored Items in the store.\n"
        "# TYPE items_stored gauge\n"
        "items_stored 0\n";
    struct metrics *m = open_metrics();
    char *got = expose(m, 0, 0);

    (void)state;
    assert_string_equal(got, want);
    free(got);
    metrics_close(m);
}

/* REQ: ITEMS-084 */
static void test_label_values_are_bounded(void **state)
{
    struct metrics *m = open_metrics();
    char *got;

    (void)state;
    assert_int_equal(metrics_method_index("GET"), 0);
    assert_int_equal(metrics_method_index("OPTIONS"), 6);
    assert_int_equal(metrics_method_index("get"), METRICS_METHODS - 1);
    assert_int_equal(metrics_method_index("BREW"), METRICS_METHODS - 1);
    assert_int_equal(metrics_method_index(NULL), METRICS_METHODS - 1);
    assert_int_equal(metrics_route_index("/items/42"), METRICS_ROUTES - 1);
    assert_int_equal(metrics_route_index(NULL), METRICS_ROUTES - 1);
    metrics_observe(m, "BREW", "/items", 405, 1);
    metrics_observe(m, NULL, NULL, 400, 0); /* a head that could not be parsed */
    metrics_observe(m, "OPTIONS", "/nothing/\"x\"", 404, 1);
    metrics_observe(m, "DELETE", "/items/{id}", 204, 1);
    metrics_observe(m, "PATCH", "/items/{id}", 999, 1);
    metrics_observe(m, "PUT", "/items/{id}", 42, 1); /* not a status: a server error */
    got = expose(m, 0, 0);
    assert_non_null(
        strstr(got, "http_requests_total{method=\"other\",route=\"/items\",status=\"405\"} 1\n"));
    assert_non_null(
        strstr(got, "http_requests_total{method=\"other\",route=\"other\",status=\"400\"} 1\n"));
    assert_non_null(
        strstr(got, "http_requests_total{method=\"OPTIONS\",route=\"other\",status=\"404\"} 1\n"));
    assert_non_null(strstr(
        got, "http_requests_total{method=\"DELETE\",route=\"/items/{id}\",status=\"204\"} 1\n"));
    assert_non_null(strstr(
        got, "http_requests_total{method=\"PATCH\",route=\"/items/{id}\",status=\"999\"} 1\n"));
    assert_non_null(strstr(
        got, "http_requests_total{method=\"PUT\",route=\"/items/{id}\",status=\"500\"} 1\n"));
    assert_null(strstr(got, "BREW"));
    assert_null(strstr(got, "nothing"));
    free(got);
    metrics_close(m);
}

/* REQ: ITEMS-085 */
static void test_buckets_are_cumulative(void **state)
{
    struct metrics *m = open_metrics();
    char *got, *p;
    unsigned long long prev = 0, v, count = 0;
    int buckets = 0;

    (void)state;
    for (uint64_t ns = 1; ns < 20 * S; ns = ns * 3 + 17)
        metrics_observe(m, "GET", "/items", 200, ns), count++;
    got = expose(m, 0, 0);
    for (p = got; (p = strstr(p, "http_request_duration_seconds_bucket{")) != NULL; p++) {
        char *sp = strstr(p, "} ");
        assert_non_null(sp);
        v = strtoull(sp + 2, NULL, 10);
        assert_true(v >= prev);
        prev = v;
        buckets++;
    }
    assert_int_equal(buckets, METRICS_BUCKETS + 1);
    assert_true(prev == count); /* +Inf = _count */
    free(got);
    metrics_close(m);
}

/* Runs promtool check metrics on text; returns its exit status and puts
 * what it printed into out. -1 when promtool is not installed. */
static int promtool(const char *text, char *out, size_t cap)
{
    char path[] = "/tmp/items-metrics-XXXXXX", cmd[128];
    int fd = mkstemp(path), status;
    size_t n = strlen(text), len = 0;
    FILE *p;

    if (access("/usr/bin/promtool", X_OK) != 0)
        return -1;
    assert_true(fd >= 0);
    assert_true(write(fd, text, n) == (ssize_t)n);
    close(fd);
    snprintf(cmd, sizeof(cmd), "/usr/bin/promtool check metrics < %s 2>&1", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (len + 1 < cap && fgets(out + len, (int)(cap - len), p) != NULL)
        len += strlen(out + len);
    out[len] = '\0';
    status = pclose(p);
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* REQ: ITEMS-081 */
static void test_promtool_accepts(void **state)
{
    struct metrics *m = open_metrics();
    static const char *const methods[] = {"GET",    "HEAD",    "POST", "PUT", "PATCH",
                                          "DELETE", "OPTIONS", "BREW", NULL};
    static const char *const routes[] = {"/items", "/items/{id}", "/metrics", "/healthz", "x"};
    char out[4096];
    char *text;
    int rc;

    (void)state;
    text = expose(m, 0, 0);
    rc = promtool(text, out, sizeof(out));
    free(text);
    if (rc == -1)
        skip();
    assert_string_equal(out, "");
    assert_int_equal(rc, 0);
    /* Every method, route and many statuses at once. */
    for (int i = 0; i < 9; i++) {
        for (int r = 0; r < 5; r++)
            metrics_observe(m, methods[i], routes[r], 200 + 100 * (i % 4) + r,
                            (uint64_t)i * 7777777);
    }
    metrics_connections(m, 3);
    text = expose(m, 7, 123456789);
    rc = promtool(text, out, sizeof(out));
    free(text);
    assert_string_equal(out, "");
    assert_int_equal(rc, 0);
    metrics_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_exposition),
        cmocka_unit_test(test_empty_registry),
        cmocka_unit_test(test_label_values_are_bounded),
        cmocka_unit_test(test_buckets_are_cumulative),
        cmocka_unit_test(test_promtool_accepts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
