/* Unit tests for the line framer: lines fed whole, byte by byte and split
 * at every offset, "\r\n" and "\n", the 1000-byte limit and the discard mode
 * of over-long lines. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

/* What feeding a stream produced: the lines (joined with '|' in text, so a
 * test reads as one string) and the number of LINE_TOO_LONG events, in
 * order, with "!" standing for each too-long event inside text. */
struct outcome {
    char text[8192];
    size_t len;
    int lines, too_long;
};

static void record(struct outcome *o, enum line_event ev, const char *line, size_t len)
{
    if (ev == LINE_READY) {
        assert_true(o->len + len + 1 < sizeof(o->text));
        memcpy(o->text + o->len, line, len);
        o->len += len;
        o->text[o->len++] = '|';
        o->lines++;
    } else if (ev == LINE_TOO_LONG) {
        o->text[o->len++] = '!';
        o->too_long++;
    }
    o->text[o->len] = '\0';
}

/* Feeds data[0..n) in chunks of at most chunk bytes, each chunk fed until
 * consumed, as a server does with what one recv() returned. */
static void feed(struct line_framer *f, struct outcome *o, const char *data, size_t n,
                 size_t chunk)
{
    while (n > 0) {
        size_t k = n < chunk ? n : chunk;
        const char *p = data;
        size_t left = k;
        while (left > 0) {
            enum line_event ev;
            const char *line = NULL;
            size_t len = 0;
            ssize_t used = line_feed(f, p, left, &ev, &line, &len);
            assert_true(used > 0);
            assert_true((size_t)used <= left);
            record(o, ev, line, len);
            p += used;
            left -= (size_t)used;
        }
        data += k;
        n -= k;
    }
}

/* Runs the stream whole, byte by byte and split in two at every offset, and
 * checks every way gives expect. */
static void check_all_splits(const char *data, size_t n, const char *expect)
{
    const size_t chunks[2] = {n, 1};
    struct line_framer f;
    struct outcome o;

    for (size_t i = 0; i < 2; i++) {
        size_t chunk = chunks[i];
        memset(&o, 0, sizeof(o));
        line_init(&f);
        feed(&f, &o, data, n, chunk);
        assert_string_equal(o.text, expect);
        line_free(&f);
    }
    for (size_t cut = 1; cut < n; cut++) {
        memset(&o, 0, sizeof(o));
        line_init(&f);
        feed(&f, &o, data, cut, cut);
        feed(&f, &o, data + cut, n - cut, n - cut);
        assert_string_equal(o.text, expect);
        line_free(&f);
    }
}

/* REQ: CHAT-007 */
static void test_lines_whole_and_byte_by_byte(void **state)
{
    static const char in[] = "alice\nhello world\r\n\nlast";

    (void)state;
    /* "last" has no "\n" yet: not a line. */
    check_all_splits(in, sizeof(in) - 1, "alice|hello world||");
}

/* REQ: CHAT-007 */
static void test_several_lines_one_segment(void **state)
{
    static const char in[] = "a\nb\r\nc\n";
    struct line_framer f;
    enum line_event ev;
    const char *line;
    size_t len;
    ssize_t used;

    (void)state;
    line_init(&f);
    used = line_feed(&f, in, sizeof(in) - 1, &ev, &line, &len);
    assert_int_equal(used, 2);
    assert_int_equal(ev, LINE_READY);
    assert_int_equal(len, 1);
    /* A line that arrived in one piece is not copied. */
    assert_ptr_equal(line, in);
    used = line_feed(&f, in + 2, sizeof(in) - 3, &ev, &line, &len);
    assert_int_equal(used, 3);
    assert_int_equal(ev, LINE_READY);
    assert_memory_equal(line, "b", 1);
    assert_int_equal(len, 1);
    line_free(&f);
}

/* REQ: CHAT-006 */
static void test_bytes_kept_as_they_are(void **state)
{
    static const char in[] = "a\rb\x01\xff\x80\r\r\n";
    struct outcome o = {0};
    struct line_framer f;

    (void)state;
    line_init(&f);
    feed(&f, &o, in, sizeof(in) - 1, 1);
    /* Only the one "\r" just before "\n" goes. */
    assert_string_equal(o.text, "a\rb\x01\xff\x80\r|");
    line_free(&f);
    check_all_splits(in, sizeof(in) - 1, "a\rb\x01\xff\x80\r|");
}

static char *repeat(char ch, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    char *p = malloc(n + t + 1);

    assert_non_null(p);
    memset(p, ch, n);
    memcpy(p + n, tail, t + 1);
    return p;
}

/* REQ: CHAT-010 */
static void test_exactly_1000_bytes_is_a_line(void **state)
{
    char *lf = repeat('x', 1000, "\n");
    char *crlf = repeat('y', 1000, "\r\n");
    char *expect_x = repeat('x', 1000, "|");
    char *expect_y = repeat('y', 1000, "|");

    (void)state;
    check_all_splits(lf, 1001, expect_x);
    check_all_splits(crlf, 1002, expect_y);
    free(lf);
    free(crlf);
    free(expect_x);
    free(expect_y);
}

/* REQ: CHAT-010 */
static void test_over_long_line_reported_once_then_discarded(void **state)
{
    char *in = repeat('x', 1001, "\nok\n");
    char *crlf = repeat('x', 1001, "\r\nok\n");
    char *cr_inside = repeat('x', 1000, "\r\r\nok\n");
    char *huge = repeat('z', 100000, "\r\nnext\r\n");

    (void)state;
    check_all_splits(in, strlen(in), "!ok|");
    check_all_splits(crlf, strlen(crlf), "!ok|");
    check_all_splits(cr_inside, strlen(cr_inside), "!ok|");
    /* Not split at every offset (slow): byte by byte, in 64 B and 4 KiB
     * pieces, and whole. */
    const size_t chunks[] = {1, 64, 4096, strlen(huge)};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct outcome o = {0};
        struct line_framer f;
        line_init(&f);
        feed(&f, &o, huge, strlen(huge), chunks[i]);
        assert_string_equal(o.text, "!next|");
        assert_int_equal(o.too_long, 1);
        line_free(&f);
    }
    free(in);
    free(crlf);
    free(cr_inside);
    free(huge);
}

/* REQ: CHAT-010 */
static void test_over_long_line_never_buffered(void **state)
{
    char *in = repeat('x', 50000, "");
    struct line_framer f;
    enum line_event ev;
    const char *line;
    size_t len, too_long = 0;

    (void)state;
    line_init(&f);
    for (size_t i = 0; i < 50000; i++) {
        assert_int_equal(line_feed(&f, in + i, 1, &ev, &line, &len), 1);
        too_long += ev == LINE_TOO_LONG;
        /* The framer never holds more than the content and a "\r". */
        assert_true(line_pending(&f) <= LINE_CONTENT_MAX + 1);
        assert_true(f.partial.cap <= LINE_CONTENT_MAX + 1);
    }
    assert_int_equal(too_long, 1);
    /* The error comes as soon as the line is known to be too long. */
    assert_int_equal(line_pending(&f), 0);
    assert_true(f.discarding);
    line_free(&f);
    free(in);
}

/* REQ: CHAT-010 */
static void test_1001st_byte_cr_waits_for_the_next(void **state)
{
    char *in = repeat('x', 1000, "\r");
    struct line_framer f;
    enum line_event ev;
    const char *line;
    size_t len;

    (void)state;
    line_init(&f);
    assert_int_equal(line_feed(&f, in, 1001, &ev, &line, &len), 1001);
    assert_int_equal(ev, LINE_NONE);
    assert_int_equal(line_pending(&f), 1001);
    /* Another byte: 1001 bytes of content. */
    assert_int_equal(line_feed(&f, "y", 1, &ev, &line, &len), 1);
    assert_int_equal(ev, LINE_TOO_LONG);
    assert_int_equal(line_feed(&f, "\nz\n", 3, &ev, &line, &len), 1);
    assert_int_equal(ev, LINE_NONE);
    assert_int_equal(line_feed(&f, "z\n", 2, &ev, &line, &len), 2);
    assert_int_equal(ev, LINE_READY);
    assert_memory_equal(line, "z", 1);
    line_free(&f);
    free(in);
}

static void test_idle_framer_holds_no_memory(void **state)
{
    struct line_framer f;
    enum line_event ev;
    const char *line;
    size_t len;

    (void)state;
    line_init(&f);
    assert_int_equal(line_feed(&f, "ab", 2, &ev, &line, &len), 2);
    assert_non_null(f.partial.data);
    assert_int_equal(line_feed(&f, "c\n", 2, &ev, &line, &len), 2);
    assert_int_equal(ev, LINE_READY);
    assert_memory_equal(line, "abc", 3);
    line_done(&f);
    assert_null(f.partial.data);
    assert_int_equal(line_feed(&f, "", 0, &ev, &line, &len), 0);
    assert_int_equal(ev, LINE_NONE);
    line_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_whole_and_byte_by_byte),
        cmocka_unit_test(test_several_lines_one_segment),
        cmocka_unit_test(test_bytes_kept_as_they_are),
        cmocka_unit_test(test_exactly_1000_bytes_is_a_line),
        cmocka_unit_test(test_over_long_line_reported_once_then_discarded),
        cmocka_unit_test(test_over_long_line_never_buffered),
        cmocka_unit_test(test_1001st_byte_cr_waits_for_the_next),
        cmocka_unit_test(test_idle_framer_holds_no_memory),
    };

    return cmocka_run_group_tests_name("chat line framer", tests, NULL, NULL);
}
