/* Unit tests for GET /lb/status: the JSON document and the response
 * around it. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "status.h"

/* Returns the live bytes of b as a NUL-terminated string (malloc'ed). */
static char *text(const struct buf *b)
{
    char *s = malloc(buf_len(b) + 1);

    assert_non_null(s);
    memcpy(s, buf_peek(b), buf_len(b));
    s[buf_len(b)] = '\0';
    return s;
}

/* REQ: LB-016 */
/* REQ: LB-017 */
/* REQ: LB-018 */
static void test_json_in_backends_order(void **state)
{
    static const char *const names[] = {"127.0.0.1:8001", "127.0.0.1:8002"};
    struct lb_table t;
    struct buf out;
    char *s;

    (void)state;
    assert_int_equal(lb_table_init(&t, names, 2, LB_LEAST_CONN, false, 2, 3, 10000, 1), 0);
    lb_choose(&t, 0, 0);
    lb_begin(&t, 0);
    lb_connect_failed(&t, 1, 0);
    buf_init(&out, 4096);
    assert_int_equal(lb_status_json(&t, 0, &out), 0);
    s = text(&out);
    assert_string_equal(s, "{\"policy\": \"least-conn\", \"backends\": ["
                           "{\"address\": \"127.0.0.1:8001\", \"state\": \"up\", \"active\": 1, "
                           "\"requests\": 1, \"failures\": 0}, "
                           "{\"address\": \"127.0.0.1:8002\", \"state\": \"down\", "
                           "\"active\": 0, \"requests\": 0, \"failures\": 1}]}");
    free(s);
    /* After the ejection time the second one is up again. */
    buf_consume(&out, buf_len(&out));
    assert_int_equal(lb_status_json(&t, 10000, &out), 0);
    s = text(&out);
    assert_non_null(strstr(s, "\"127.0.0.1:8002\", \"state\": \"up\""));
    free(s);
    buf_free(&out);
}

static void test_json_escapes_strings(void **state)
{
    static const char *const names[] = {"we\"ird\\na\x01me:1"};
    struct lb_table t;
    struct buf out;
    char *s;

    (void)state;
    assert_int_equal(lb_table_init(&t, names, 1, LB_ROUND_ROBIN, false, 2, 3, 0, 1), 0);
    buf_init(&out, 4096);
    assert_int_equal(lb_status_json(&t, 0, &out), 0);
    s = text(&out);
    assert_non_null(strstr(s, "\"address\": \"we\\\"ird\\\\na\\u0001me:1\""));
    free(s);
    buf_free(&out);
}

/* REQ: LB-016 */
static void test_response_framed(void **state)
{
    static const char *const names[] = {"h:1"};
    struct lb_table t;
    struct buf out, body;
    char *s, *b, expect[512];

    (void)state;
    assert_int_equal(lb_table_init(&t, names, 1, LB_RANDOM, false, 2, 3, 0, 1), 0);
    buf_init(&body, 4096);
    assert_int_equal(lb_status_json(&t, 0, &body), 0);
    b = text(&body);
    buf_init(&out, 4096);
    assert_int_equal(lb_status_response(&t, 0, NULL, &out), 0);
    s = text(&out);
    snprintf(expect, sizeof(expect),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
             "Cache-Control: no-store\r\n\r\n%s",
             strlen(b), b);
    assert_string_equal(s, expect);
    free(s);
    buf_consume(&out, buf_len(&out));
    assert_int_equal(lb_status_response(&t, 0, "close", &out), 0);
    s = text(&out);
    assert_non_null(strstr(s, "\r\nConnection: close\r\n\r\n{"));
    free(s);
    buf_consume(&out, buf_len(&out));
    assert_int_equal(lb_status_response(&t, 0, "keep-alive", &out), 0);
    s = text(&out);
    assert_non_null(strstr(s, "\r\nConnection: keep-alive\r\n\r\n{"));
    free(s);
    free(b);
    buf_free(&out);
    buf_free(&body);
}

static void test_response_all_or_nothing(void **state)
{
    static const char *const names[] = {"h:1"};
    struct lb_table t;
    struct buf out;

    (void)state;
    assert_int_equal(lb_table_init(&t, names, 1, LB_RANDOM, false, 2, 3, 0, 1), 0);
    buf_init(&out, 100);
    assert_int_equal(lb_status_response(&t, 0, NULL, &out), -ENOBUFS);
    assert_int_equal(buf_len(&out), 0);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_in_backends_order),
        cmocka_unit_test(test_json_escapes_strings),
        cmocka_unit_test(test_response_framed),
        cmocka_unit_test(test_response_all_or_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
