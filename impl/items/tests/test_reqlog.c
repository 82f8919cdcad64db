/* Unit tests for reqlog.c: the trace id (from a valid traceparent, else
 * random), the exact request line, escaping of what the client sent, and
 * the level of each status. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "reqlog.h"

#define TP_VALID "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static void trace_id_of(const char *tp, char *out)
{
    reqlog_trace_id(tp, tp != NULL ? strlen(tp) : 0, out);
    assert_int_equal(strlen(out), REQLOG_TRACE_HEX);
    assert_int_equal(strspn(out, "0123456789abcdef"), REQLOG_TRACE_HEX);
    assert_string_not_equal(out, "00000000000000000000000000000000");
}

/* REQ: ITEMS-093 */
static void test_trace_id_from_valid_traceparent(void **state)
{
    char id[REQLOG_TRACE_HEX + 1];

    (void)state;
    trace_id_of(TP_VALID, id);
    assert_string_equal(id, "4bf92f3577b34da6a3ce929d0e0e4736");
    /* Flags do not matter; a later version with more fields is read as 00. */
    trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", id);
    assert_string_equal(id, "4bf92f3577b34da6a3ce929d0e0e4736");
    trace_id_of("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", id);
    assert_string_equal(id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

/* REQ: ITEMS-093 */
static void test_trace_id_random_otherwise(void **state)
{
    static const char *const invalid[] = {
        NULL,
        "",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  /* upper case */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  /* zero trace-id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  /* zero parent-id */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  /* version ff */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", /* 00 is 55 long */
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   /* short */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bx-01",
    };
    char ids[sizeof(invalid) / sizeof(invalid[0])][REQLOG_TRACE_HEX + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        trace_id_of(invalid[i], ids[i]);
        assert_string_not_equal(ids[i], "4bf92f3577b34da6a3ce929d0e0e4736");
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(ids[i], ids[k]); /* a new one each time */
    }
}

/* REQ: ITEMS-091 */
static void test_exact_request_line(void **state)
{
    struct items_observation o = {.method = "GET",
                                  .route = "/items/{id}",
                                  .path = "/items/7",
                                  .path_len = 8,
                                  .peer = "127.0.0.1",
                                  .status = 200,
                                  .ns = 214000};
    struct timespec now = {.tv_sec = 1795316400, .tv_nsec = 123456789};
    char line[REQLOG_LINE_MAX];
    size_t n;

    (void)state;
    n = reqlog_format_request(&o, &now, "4bf92f3577b34da6a3ce929d0e0e4736", line, sizeof(line));
    assert_true(n > 0);
    line[n] = '\0';
    assert_string_equal(
        line, "{\"time\":\"2026-11-22T03:00:00.123Z\",\"level\":\"info\",\"msg\":\"request\","
              "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"method\":\"GET\","
              "\"route\":\"/items/{id}\",\"path\":\"/items/7\",\"status\":200,"
              "\"latency_ms\":0.214,\"client\":\"127.0.0.1\"}\n");
}

/* REQ: ITEMS-090 */
static void test_hostile_paths_stay_one_json_line(void **state)
{
    static char path[8000];
    struct items_observation o = {
        .method = "BREW\"\n", .route = "other", .peer = "::1", .status = 404};
    struct timespec now = {.tv_sec = 0};
    char line[REQLOG_LINE_MAX];
    json_error_t err;
    json_t *j;
    size_t n;

    (void)state;
    /* Quotes, backslashes, control bytes, bytes that are not UTF-8, and
     * more of them than a line holds: the path is cut, never the line. */
    for (size_t i = 0; i < sizeof(path); i++)
        path[i] = "\"\\\n\x01\xff\xc3\xa9/"[i % 8];
    o.path = path;
    o.path_len = sizeof(path);
    n = reqlog_format_request(&o, &now, "4bf92f3577b34da6a3ce929d0e0e4736", line, sizeof(line));
    assert_true(n > 0);
    assert_int_equal(line[n - 1], '\n');
    assert_null(memchr(line, '\n', n - 1));
    j = json_loadb(line, n, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "BREW\"\n");
    assert_int_equal(json_string_length(json_object_get(j, "path")) > 0, 1);
    json_decref(j);
    /* A head that could not be parsed: method and path are null. */
    o.method = NULL;
    o.path = NULL;
    o.route = NULL;
    n = reqlog_format_request(&o, &now, "4bf92f3577b34da6a3ce929d0e0e4736", line, sizeof(line));
    j = json_loadb(line, n, 0, &err);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "method")));
    assert_true(json_is_null(json_object_get(j, "path")));
    assert_string_equal(json_string_value(json_object_get(j, "route")), "other");
    json_decref(j);
}

/* REQ: ITEMS-092 */
static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(reqlog_level_of(101), ITEMS_INFO);
    assert_int_equal(reqlog_level_of(204), ITEMS_INFO);
    assert_int_equal(reqlog_level_of(399), ITEMS_INFO);
    assert_int_equal(reqlog_level_of(400), ITEMS_WARN);
    assert_int_equal(reqlog_level_of(499), ITEMS_WARN);
    assert_int_equal(reqlog_level_of(500), ITEMS_ERROR);
    assert_int_equal(reqlog_level_of(503), ITEMS_ERROR);
    assert_string_equal(reqlog_level_name(ITEMS_DEBUG), "debug");
    assert_string_equal(reqlog_level_name(ITEMS_ERROR), "error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_id_from_valid_traceparent),
        cmocka_unit_test(test_trace_id_random_otherwise),
        cmocka_unit_test(test_exact_request_line),
        cmocka_unit_test(test_hostile_paths_stay_one_json_line),
        cmocka_unit_test(test_levels),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
