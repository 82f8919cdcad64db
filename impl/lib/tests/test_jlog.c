/* Unit tests for jlog.c: JSON lines, string escaping, UTF-8 checks and
 * RFC 3339 timestamps. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "jlog.h"

/* The escaped form of s[0..n) as a NUL-terminated string in out. */
static const char *esc(const char *s, size_t n, char *out)
{
    out[jlog_escape(s, n, out)] = '\0';
    return out;
}

#define ESC(lit, out) esc(lit, sizeof(lit) - 1, out)

/* REQ: SIDECAR-030 */
static void test_line(void **state)
{
    char buf[512];
    struct jlog_line j;
    size_t n;

    (void)state;
    jlog_begin(&j, buf, sizeof(buf));
    jlog_cstr(&j, "level", "info");
    jlog_null(&j, "parent_id");
    jlog_int(&j, "status", 200);
    jlog_int(&j, "neg", -5);
    jlog_ms(&j, "duration_ms", 1532400); /* 1.5324 ms */
    jlog_ms(&j, "zero", 0);
    jlog_cstr(&j, "none", NULL);
    n = jlog_end(&j);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"level\":\"info\",\"parent_id\":null,\"status\":200,\"neg\":-5,"
                             "\"duration_ms\":1.532,\"zero\":0.000,\"none\":null}\n");
    /* An empty object is still one valid line. */
    jlog_begin(&j, buf, sizeof(buf));
    n = jlog_end(&j);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "{}\n", 3);
}

/* REQ: SIDECAR-033 */
static void test_escaping(void **state)
{
    char out[256];

    (void)state;
    assert_string_equal(ESC("plain /a/b?x", out), "plain /a/b?x");
    assert_string_equal(ESC("q\"b\\s", out), "q\\\"b\\\\s");
    assert_string_equal(ESC("a\nb\rc\td\x01\x1f\x7f", out),
                        "a\\u000ab\\u000dc\\u0009d\\u0001\\u001f\\u007f");
    assert_string_equal(esc("n\0ul", 4, out), "n\\u0000ul");
    /* Valid UTF-8 passes through: é, €, 𝄞 (2, 3 and 4 bytes). */
    assert_string_equal(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", out),
                        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
    /* Each byte that is not part of valid UTF-8 becomes one U+FFFD. */
    assert_string_equal(ESC("a\377b", out), "a\\ufffdb");
    assert_string_equal(ESC("\xc3", out), "\\ufffd");            /* truncated */
    assert_string_equal(ESC("\xc3(", out), "\\ufffd(");          /* bad continuation */
    assert_string_equal(ESC("\xc0\xaf", out), "\\ufffd\\ufffd"); /* overlong '/' */
    assert_string_equal(ESC("\xe0\x80\xaf", out), "\\ufffd\\ufffd\\ufffd");
    assert_string_equal(ESC("\xed\xa0\x80", out), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
    assert_string_equal(ESC("\xf4\x90\x80\x80", out), "\\ufffd\\ufffd\\ufffd\\ufffd");
    assert_string_equal(ESC("\x80z", out), "\\ufffdz");
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(jlog_utf8_valid("", 0));
    assert_true(jlog_utf8_valid("abc", 3));
    assert_true(jlog_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    assert_true(jlog_utf8_valid("\xee\x80\x80", 3));     /* U+E000 */
    assert_false(jlog_utf8_valid("\xf5\x80\x80\x80", 4));
    assert_false(jlog_utf8_valid("\xe2\x82", 2));
}

/* A line that does not fit is refused whole, never cut mid-string. */
static void test_overflow(void **state)
{
    char buf[32];
    struct jlog_line j;

    (void)state;
    jlog_begin(&j, buf, sizeof(buf));
    jlog_cstr(&j, "path", "/a-rather-long-path-that-does-not-fit");
    assert_int_equal(jlog_end(&j), 0);
    /* Worst case escaping is what is reserved, so "\x01" (6 bytes escaped)
     * needs room for 6. */
    jlog_begin(&j, buf, 16);
    jlog_str(&j, "k", "\x01\x01", 2);
    assert_int_equal(jlog_end(&j), 0);
}

/* REQ: SIDECAR-031 */
static void test_time(void **state)
{
    struct timespec ts = {.tv_sec = 1795255200, .tv_nsec = 123999999}; /* 2026-11-21T10:00:00 */
    struct timespec epoch = {0, 0};
    char out[JLOG_TIME_LEN + 1];

    (void)state;
    assert_int_equal(jlog_time(&ts, out), JLOG_TIME_LEN);
    assert_string_equal(out, "2026-11-21T10:00:00.123Z");
    assert_int_equal(jlog_time(&epoch, out), JLOG_TIME_LEN);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line),       cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_utf8_valid), cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
