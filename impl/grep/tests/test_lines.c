/* Unit tests for the line splitter: fed whole, byte by byte and cut at
 * every offset it hands out the same lines, always in whole-line blocks; a
 * last line without newline gets one; NUL bytes end lines from the read
 * that brought the first one (GNU grep's binary rule); the bound holds. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

/* Everything the splitter handed out, blocks concatenated. */
struct got {
    char *data;
    size_t len, cap;
    int blocks;
};

static void got_add(struct got *g, const char *p, size_t n)
{
    /* A block is whole lines: it ends with a newline. */
    assert_true(n > 0);
    assert_int_equal(p[n - 1], '\n');
    if (g->len + n > g->cap) {
        g->cap = (g->len + n) * 2;
        g->data = realloc(g->data, g->cap);
        assert_non_null(g->data);
    }
    memcpy(g->data + g->len, p, n);
    g->len += n;
    g->blocks++;
}

/* Feeds in, one commit per piece of `step` bytes (the last may be
 * shorter), taking the complete lines after each; then the last line. */
static void feed(struct lines *l, const char *in, size_t len, size_t step, struct got *g)
{
    const char *block;
    size_t n;

    memset(g, 0, sizeof(*g));
    for (size_t off = 0; off < len;) {
        size_t k = len - off < step ? len - off : step;
        char *tail;
        size_t avail;
        assert_int_equal(lines_reserve(l, &tail, &avail), 0);
        assert_true(avail >= LINES_READ_MIN);
        memcpy(tail, in + off, k);
        lines_commit(l, k);
        off += k;
        n = lines_take(l, &block);
        if (n > 0)
            got_add(g, block, n);
        assert_int_equal(lines_take(l, &block), 0);
    }
    n = lines_take_last(l, &block);
    if (n > 0)
        got_add(g, block, n);
    assert_int_equal(lines_take_last(l, &block), 0);
}

/* The input with a newline added when its last line has none. */
static size_t expected(const char *in, size_t len, char *out)
{
    memcpy(out, in, len);
    if (len > 0 && in[len - 1] != '\n')
        out[len++] = '\n';
    return len;
}

static const char *const inputs[] = {
    "",
    "\n",
    "one line\n",
    "no newline",
    "a\nb\nc",
    "\n\n\nx\n\n",
    "crlf\r\nlines\r\n",
    "\xff\xfe high bytes\n\x80",
};

static void test_whole_and_byte_by_byte(void **state)
{
    struct lines l;
    struct got whole, bytes;
    char want[64];

    (void)state;
    lines_init(&l, 1 << 20);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        const char *in = inputs[i];
        size_t len = strlen(in), wlen = expected(in, len, want);

        lines_reset(&l);
        feed(&l, in, len, len > 0 ? len : 1, &whole);
        assert_int_equal(whole.len, wlen);
        if (wlen > 0)
            assert_memory_equal(whole.data, want, wlen);

        lines_reset(&l);
        feed(&l, in, len, 1, &bytes);
        assert_int_equal(bytes.len, wlen);
        if (wlen > 0)
            assert_memory_equal(bytes.data, want, wlen);
        free(whole.data);
        free(bytes.data);
    }
    lines_free(&l);
}

/* Cut in two at every offset: the same bytes out, in whole lines (the
 * first block ends at the last newline before the cut). */
static void test_cut_everywhere(void **state)
{
    const char *in = "alpha\nbeta\r\n\ngamma delta\nlast without newline";
    size_t len = strlen(in);
    char want[128];
    size_t wlen = expected(in, len, want);
    struct lines l;

    (void)state;
    lines_init(&l, 1 << 20);
    for (size_t at = 0; at <= len; at++) {
        const char *block;
        struct got g = {0};
        char *tail;
        size_t avail, n;

        lines_reset(&l);
        assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
        memcpy(tail, in, at);
        lines_commit(&l, at);
        n = lines_take(&l, &block);
        if (n > 0) {
            const char *last_nl = memrchr(in, '\n', at);
            assert_non_null(last_nl);
            assert_int_equal(n, (size_t)(last_nl - in) + 1);
            got_add(&g, block, n);
        }
        assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
        memcpy(tail, in + at, len - at);
        lines_commit(&l, len - at);
        n = lines_take(&l, &block);
        if (n > 0)
            got_add(&g, block, n);
        n = lines_take_last(&l, &block);
        if (n > 0)
            got_add(&g, block, n);
        assert_int_equal(g.len, wlen);
        assert_memory_equal(g.data, want, wlen);
        free(g.data);
    }
    lines_free(&l);
}

/* Lines longer than one read, and many lines, in pieces of odd sizes:
 * blocks are made of whole lines and nothing is lost or doubled. */
static void test_long_lines(void **state)
{
    size_t len = 3 * LINES_READ_MIN + 12345;
    char *in = malloc(len);
    struct lines l;
    struct got g;
    const size_t steps[] = {1000, 4096, LINES_READ_MIN, 3 * LINES_READ_MIN};

    (void)state;
    assert_non_null(in);
    for (size_t i = 0; i < len; i++)
        in[i] = (char)('a' + i % 26);
    in[5] = '\n';
    in[LINES_READ_MIN] = '\n';
    in[len - 2] = '\n';
    lines_init(&l, 4 * LINES_READ_MIN + 2);
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        lines_reset(&l);
        feed(&l, in, len, steps[s], &g);
        assert_int_equal(g.len, len + 1);
        assert_memory_equal(g.data, in, len);
        assert_int_equal(g.data[len], '\n');
        free(g.data);
    }
    lines_free(&l);
    free(in);
}

/* A partial line that cannot get one more read under the maximum is an
 * error, not unbounded growth. */
static void test_bound(void **state)
{
    struct lines l;
    char *tail;
    size_t avail;
    size_t max = 2 * LINES_READ_MIN + 1;

    (void)state;
    lines_init(&l, max);
    assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
    memset(tail, 'x', LINES_READ_MIN);
    lines_commit(&l, LINES_READ_MIN);
    const char *block;
    assert_int_equal(lines_take(&l, &block), 0);
    assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
    memset(tail, 'x', LINES_READ_MIN);
    lines_commit(&l, LINES_READ_MIN);
    assert_int_equal(lines_take(&l, &block), 0);
    assert_int_equal(lines_reserve(&l, &tail, &avail), -ENOBUFS);
    /* The line still ends well. */
    size_t n = lines_take_last(&l, &block);
    assert_int_equal(n, 2 * LINES_READ_MIN + 1);
    assert_int_equal(block[n - 1], '\n');
    lines_free(&l);
}

/* GNU grep's rule: the read holding the first NUL makes the file binary,
 * and from that read on NUL ends a line; earlier reads are untouched. */
static void test_binary(void **state)
{
    struct lines l;
    const char *block;
    char *tail;
    size_t avail, n;

    (void)state;
    lines_init(&l, 1 << 20);
    assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
    memcpy(tail, "a\nb", 3);
    lines_commit(&l, 3);
    assert_false(l.binary);
    n = lines_take(&l, &block);
    assert_int_equal(n, 2);
    assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
    memcpy(tail, "c\0d\0", 4);
    lines_commit(&l, 4);
    assert_true(l.binary);
    n = lines_take(&l, &block);
    assert_int_equal(n, 5);
    assert_memory_equal(block, "bc\nd\n", 5);

    /* A new file starts as text again. */
    lines_reset(&l);
    assert_false(l.binary);
    assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
    memcpy(tail, "x\n", 2);
    lines_commit(&l, 2);
    assert_false(l.binary);
    assert_int_equal(lines_take(&l, &block), 2);
    lines_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_and_byte_by_byte),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
