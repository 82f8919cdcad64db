/* Unit tests for the matcher: patterns split at newlines, the empty
 * pattern, -i folding ASCII letters only, and match_block checked against
 * the plain definition (match_line) on random blocks, with and without -v,
 * with several patterns, with line numbers carried across blocks; and the
 * whole pipeline (splitter + matcher) giving the same lines however the
 * input is cut. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "match.h"

/* What match_block reported: "N:line\n" for each selected line. */
struct sel {
    char text[1 << 16];
    size_t len;
    uintmax_t runs, lines;
    int stop_after; /* return 1 after this many runs; 0: never */
};

static void sel_add(struct sel *s, const char *p, size_t n)
{
    assert_true(s->len + n <= sizeof(s->text));
    memcpy(s->text + s->len, p, n);
    s->len += n;
}

static int on_run(void *ctx, const char *p, size_t len, uintmax_t nlines, uintmax_t first)
{
    struct sel *s = ctx;
    const char *end = p + len;
    uintmax_t seen = 0;

    assert_true(len > 0);
    assert_int_equal(p[len - 1], '\n');
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char num[24];
        int k = snprintf(num, sizeof(num), "%ju:", first + seen);
        sel_add(s, num, (size_t)k);
        sel_add(s, p, (size_t)(nl - p) + 1);
        p = nl + 1;
        seen++;
    }
    assert_int_equal(seen, nlines);
    s->runs++;
    s->lines += nlines;
    return s->stop_after != 0 && s->runs == (uintmax_t)s->stop_after ? 1 : 0;
}

/* The same, by the definition: every line, numbered, tested alone. */
static void oracle(const struct match *m, bool invert, const char *p, size_t len, uintmax_t lineno,
                   struct sel *s)
{
    const char *end = p + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        lineno++;
        if (match_line(m, p, n) != invert) {
            char num[24];
            int k = snprintf(num, sizeof(num), "%ju:", lineno);
            sel_add(s, num, (size_t)k);
            sel_add(s, p, n + 1);
            s->lines++;
        }
        p = nl + 1;
    }
}

static int init(struct match *m, bool icase, const char *a, const char *b)
{
    const char *args[2] = {a, b};

    return match_init(m, args, b != NULL ? 2 : 1, icase);
}

static void test_split_patterns(void **state)
{
    struct match m;

    (void)state;
    assert_int_equal(init(&m, false, "a\nbc", NULL), 0);
    assert_int_equal(m.npat, 2);
    assert_false(m.all);
    assert_true(match_line(&m, "xbcx", 4));
    assert_false(match_line(&m, "b c", 3));
    match_free(&m);

    /* A trailing newline leaves an empty pattern: every line matches. */
    assert_int_equal(init(&m, false, "a\n", NULL), 0);
    assert_int_equal(m.npat, 1);
    assert_true(m.all);
    assert_true(match_line(&m, "zzz", 3));
    assert_true(match_line(&m, "", 0));
    match_free(&m);

    assert_int_equal(init(&m, false, "", NULL), 0);
    assert_int_equal(m.npat, 0);
    assert_true(m.all);
    match_free(&m);

    assert_int_equal(init(&m, false, "x", "y\nz"), 0);
    assert_int_equal(m.npat, 3);
    match_free(&m);
}

/* -i folds A-Z and a-z, and nothing else: not bytes 0x80-0xFF (no letters
 * in the C locale), not the neighbours of the letters ('@' '[' '`' '{'). */
static void test_icase(void **state)
{
    struct match m;

    (void)state;
    assert_int_equal(init(&m, true, "HeLLo", NULL), 0);
    assert_true(match_line(&m, "say hello", 9));
    assert_true(match_line(&m, "HELLO!", 6));
    assert_false(match_line(&m, "hell o", 6));
    match_free(&m);

    assert_int_equal(init(&m, true, "\xc9t\xc9", NULL), 0);
    assert_true(match_line(&m, "\xc9T\xc9", 3));
    assert_false(match_line(&m, "\xe9t\xe9", 3));
    match_free(&m);

    assert_int_equal(init(&m, true, "@[", NULL), 0);
    assert_false(match_line(&m, "`{", 2));
    assert_false(match_line(&m, "`[", 2));
    assert_false(match_line(&m, "@{", 2));
    assert_true(match_line(&m, "@[", 2));
    match_free(&m);

    /* Without -i, case matters. */
    assert_int_equal(init(&m, false, "Hello", NULL), 0);
    assert_false(match_line(&m, "hello", 5));
    match_free(&m);
}

/* A small linear congruential generator: the same rounds on every run. */
static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

/* match_block agrees with the definition on random blocks: random lines
 * over a small alphabet (so patterns occur often, overlap, sit at line
 * starts and ends), one to three patterns, -i and -v. */
static void test_block_vs_definition(void **state)
{
    static const char alphabet[] = "abAB\r \xe9";
    static struct sel got, want;
    char block[4096];
    unsigned seed = 12345;

    (void)state;
    for (int round = 0; round < 3000; round++) {
        char pats[3][5];
        const char *args[3];
        size_t npats = 1 + (size_t)(round % 3), len = 0, nlines;
        bool icase = round % 2, invert = (round / 2) % 2;
        uintmax_t lineno = 100;
        struct match m;

        for (size_t i = 0; i < npats; i++) {
            size_t plen = 1 + rnd(&seed, 3);
            for (size_t k = 0; k < plen; k++)
                pats[i][k] = alphabet[rnd(&seed, 7)];
            pats[i][plen] = '\0';
            args[i] = pats[i];
        }
        nlines = 1 + rnd(&seed, 40);
        for (size_t l = 0; l < nlines; l++) {
            size_t ll = rnd(&seed, 12);
            for (size_t k = 0; k < ll; k++)
                block[len++] = alphabet[rnd(&seed, 7)];
            block[len++] = '\n';
        }
        assert_int_equal(match_init(&m, args, npats, icase), 0);
        memset(&got, 0, sizeof(got));
        memset(&want, 0, sizeof(want));
        assert_int_equal(match_block(&m, invert, true, block, len, &lineno, on_run, &got), 0);
        assert_int_equal(lineno, 100 + nlines);
        oracle(&m, invert, block, len, 100, &want);
        if (got.len != want.len || memcmp(got.text, want.text, got.len) != 0)
            fail_msg("round %d: patterns %zu icase %d invert %d differ", round, npats, icase,
                     invert);
        match_free(&m);
    }
}

/* The callback's non-zero value ends the scan and comes back. */
static void test_stop(void **state)
{
    struct match m;
    static struct sel s;
    uintmax_t lineno = 0;
    const char *text = "x\na\nx\na\nx\n";

    (void)state;
    assert_int_equal(init(&m, false, "a", NULL), 0);
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(match_block(&m, false, true, text, strlen(text), &lineno, on_run, &s), 1);
    assert_int_equal(s.lines, 1);
    assert_int_equal(s.len, strlen("2:a\n"));
    assert_memory_equal(s.text, "2:a\n", s.len);

    /* -v: runs of several lines between the matches. */
    memset(&s, 0, sizeof(s));
    lineno = 0;
    assert_int_equal(match_block(&m, true, true, text, strlen(text), &lineno, on_run, &s), 0);
    assert_int_equal(s.runs, 3);
    assert_int_equal(s.lines, 3);
    match_free(&m);

    /* The empty pattern: the whole block is one run; -v selects nothing. */
    assert_int_equal(init(&m, false, "", NULL), 0);
    memset(&s, 0, sizeof(s));
    lineno = 0;
    assert_int_equal(match_block(&m, false, true, text, strlen(text), &lineno, on_run, &s), 0);
    assert_int_equal(s.runs, 1);
    assert_int_equal(s.lines, 5);
    memset(&s, 0, sizeof(s));
    assert_int_equal(match_block(&m, true, true, text, strlen(text), &lineno, on_run, &s), 0);
    assert_int_equal(s.runs, 0);
    assert_int_equal(lineno, 10);
    match_free(&m);
}

/* Splitter and matcher together, the way mgrep runs them: whatever the
 * size of the reads, the selected lines and their numbers are the same. */
static void grep_pieces(struct match *m, bool invert, const char *in, size_t len, size_t step,
                        struct sel *s)
{
    struct lines l;
    const char *block;
    uintmax_t lineno = 0;
    size_t n;

    memset(s, 0, sizeof(*s));
    lines_init(&l, 1 << 20);
    for (size_t off = 0; off < len; off += step) {
        size_t k = len - off < step ? len - off : step;
        char *tail;
        size_t avail;
        assert_int_equal(lines_reserve(&l, &tail, &avail), 0);
        memcpy(tail, in + off, k);
        lines_commit(&l, k);
        n = lines_take(&l, &block);
        if (n > 0)
            assert_int_equal(match_block(m, invert, true, block, n, &lineno, on_run, s), 0);
    }
    n = lines_take_last(&l, &block);
    if (n > 0)
        assert_int_equal(match_block(m, invert, true, block, n, &lineno, on_run, s), 0);
    lines_free(&l);
}

static void test_pipeline_any_read_size(void **state)
{
    const char *in = "hello\nsay HELLO there\r\nnothing\n\nhel\nlo\nend hello";
    size_t len = strlen(in);
    static struct sel whole, cut;
    struct match m;

    (void)state;
    for (int v = 0; v < 4; v++) {
        assert_int_equal(init(&m, v & 1, "hello", "\r"), 0);
        grep_pieces(&m, v & 2, in, len, len, &whole);
        assert_true(whole.lines > 0);
        for (size_t step = 1; step < len; step++) {
            grep_pieces(&m, v & 2, in, len, step, &cut);
            if (cut.len != whole.len || memcmp(cut.text, whole.text, whole.len) != 0)
                fail_msg("variant %d, reads of %zu bytes differ", v, step);
        }
        match_free(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_patterns),
        cmocka_unit_test(test_icase),
        cmocka_unit_test(test_block_vs_definition),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_pipeline_any_read_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
