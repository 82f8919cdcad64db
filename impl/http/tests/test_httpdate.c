/* Unit tests for HTTP dates: IMF-fixdate out, the three forms in (RFC 9110
 * §5.6.7), calendar checks, the log timestamp and the per-second cache. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "httpdate.h"

#define RFC_EXAMPLE 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static int parse(const char *s, time_t *t)
{
    return httpdate_parse(s, strlen(s), t);
}

/* REQ: HTTP-003 */
static void test_format(void **state)
{
    char out[HTTPDATE_LEN + 1];

    (void)state;
    httpdate_format(RFC_EXAMPLE, out);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    httpdate_format(0, out);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    httpdate_format(951782400, out); /* a leap day */
    assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
    httpdate_format(1795305600 - 1, out);
    assert_string_equal(out, "Sat, 21 Nov 2026 23:59:59 GMT");
}

static void test_format_clf(void **state)
{
    char out[CLFDATE_LEN + 1];

    (void)state;
    httpdate_format_clf(RFC_EXAMPLE, out);
    assert_string_equal(out, "06/Nov/1994:08:49:37 +0000");
}

/* REQ: HTTP-032 */
static void test_parse_three_forms(void **state)
{
    time_t t;

    (void)state;
    assert_int_equal(parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    assert_int_equal(t, RFC_EXAMPLE);
    assert_int_equal(parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    assert_int_equal(t, RFC_EXAMPLE);
    assert_int_equal(parse("Sun Nov  6 08:49:37 1994", &t), 0);
    assert_int_equal(t, RFC_EXAMPLE);
    assert_int_equal(parse("Wednesday, 09-Nov-99 23:12:40 GMT", &t), 0);
    assert_int_equal(parse("Thursday, 01-Jan-30 00:00:00 GMT", &t), 0);
    assert_int_equal(t, 1893456000); /* 2030: two-digit years below 70 are 20xx */
    assert_int_equal(parse("Sun Nov 16 08:49:37 1994", &t), 0);
    assert_int_equal(t, RFC_EXAMPLE + 10 * 86400);
    assert_int_equal(parse("Tue, 29 Feb 2000 00:00:00 GMT", &t), 0);
    assert_int_equal(t, 951782400);
}

static void test_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nox 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sunnyday, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun Nov 32 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
    };
    time_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(bad[i], &t), -EINVAL);
}

static void test_round_trip(void **state)
{
    char out[HTTPDATE_LEN + 1];
    time_t t;

    (void)state;
    /* Every day from 1970 to 2100 at an odd time of day. */
    for (time_t d = 0; d < 47500; d += 7) {
        time_t v = d * 86400 + 12345;
        httpdate_format(v, out);
        assert_int_equal(parse(out, &t), 0);
        assert_int_equal(t, v);
    }
}

static void test_cache(void **state)
{
    struct httpdate_cache c;
    const struct httpdate_cache *p;
    time_t t;

    (void)state;
    httpdate_cache_init(&c);
    p = httpdate_now(&c);
    assert_int_equal(strlen(p->imf), HTTPDATE_LEN);
    assert_int_equal(strlen(p->clf), CLFDATE_LEN);
    assert_int_equal(parse(p->imf, &t), 0);
    assert_int_equal(t, p->sec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_clf),
        cmocka_unit_test(test_parse_three_forms),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cache),
    };

    return cmocka_run_group_tests_name("http dates", tests, NULL, NULL);
}
