/* Unit tests for catfmt, cat's -n -b -s -E -T: outputs checked against
 * what GNU cat 9.1 printed for the same input (the golden table), and the
 * same outputs whether the input comes whole, byte by byte, or cut at every
 * offset; the state that spans files (numbering, an open last line, -s,
 * a CR held back by -E); a tiny output buffer; write errors. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catfmt.h"

/* Collects what the formatter writes; can be told to fail. */
struct sink {
    char data[4096];
    size_t len;
    int writes;
    int fail_at; /* the write (1-based) that fails with ENOSPC; 0: none */
};

static int sink_write(void *ctx, const char *p, size_t n)
{
    struct sink *s = ctx;

    s->writes++;
    if (s->fail_at != 0 && s->writes >= s->fail_at)
        return -ENOSPC;
    assert_true(s->len + n <= sizeof(s->data));
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

static struct catfmt_opts parse_opts(const char *flags)
{
    struct catfmt_opts o = {0};

    for (const char *c = flags; *c != '\0'; c++) {
        switch (*c) {
        case 'n':
            o.number = true;
            break;
        case 'b':
            o.nonblank = true;
            break;
        case 's':
            o.squeeze = true;
            break;
        case 'E':
            o.ends = true;
            break;
        case 'T':
            o.tabs = true;
            break;
        default:
            break;
        }
    }
    return o;
}

/* Formats the pieces of input (each a separate feed) with an output
 * buffer of cap bytes; the result is in s. */
static void run(const char *flags, size_t cap, const char *const *pieces, const size_t *lens,
                size_t npieces, struct sink *s)
{
    struct catfmt_opts o = parse_opts(flags);
    struct catfmt f;

    memset(s, 0, sizeof(*s));
    assert_int_equal(catfmt_init(&f, &o, cap, sink_write, s), 0);
    for (size_t i = 0; i < npieces; i++)
        assert_int_equal(catfmt_feed(&f, pieces[i], lens[i]), 0);
    assert_int_equal(catfmt_finish(&f), 0);
    catfmt_free(&f);
}

static void run_whole(const char *flags, const char *in, size_t len, struct sink *s)
{
    run(flags, 4096, &in, &len, 1, s);
}

struct golden {
    const char *flags, *in, *out;
};

/* Printed by GNU cat 9.1 (printf IN | cat -FLAGS). */
static const struct golden golden[] = {
    {"n", "a\nb\n", "     1\ta\n     2\tb\n"},
    {"E", "a\nb\n", "a$\nb$\n"},
    {"n", "\n\n\nx\n\n\n\ny",
     "     1\t\n     2\t\n     3\t\n     4\tx\n     5\t\n     6\t\n     7\t\n     8\ty"},
    {"b", "\n\n\nx\n\n\n\ny", "\n\n\n     1\tx\n\n\n\n     2\ty"},
    {"s", "\n\n\nx\n\n\n\ny", "\nx\n\ny"},
    {"ns", "\n\n\nx\n\n\n\ny", "     1\t\n     2\tx\n     3\t\n     4\ty"},
    {"bs", "\n\n\nx\n\n\n\ny", "\n     1\tx\n\n     2\ty"},
    {"sET", "\n\n\nx\n\n\n\ny", "$\nx$\n$\ny"},
    {"bnsET", "\n\n\nx\n\n\n\ny", "$\n     1\tx$\n$\n     2\ty"},
    {"n", "a\tb\r\n\r\n\tc\r", "     1\ta\tb\r\n     2\t\r\n     3\t\tc\r"},
    {"E", "a\tb\r\n\r\n\tc\r", "a\tb^M$\n^M$\n\tc\r"},
    {"T", "a\tb\r\n\r\n\tc\r", "a^Ib\r\n\r\n^Ic\r"},
    {"nE", "a\tb\r\n\r\n\tc\r", "     1\ta\tb^M$\n     2\t^M$\n     3\t\tc\r"},
    {"bnsET", "a\tb\r\n\r\n\tc\r", "     1\ta^Ib^M$\n     2\t^M$\n     3\t^Ic\r"},
    {"bnsET", "", ""},
    {"b", "one\n\n\ntwo\r\nthree", "     1\tone\n\n\n     2\ttwo\r\n     3\tthree"},
    {"s", "one\n\n\ntwo\r\nthree", "one\n\ntwo\r\nthree"},
    {"nE", "one\n\n\ntwo\r\nthree",
     "     1\tone$\n     2\t$\n     3\t$\n     4\ttwo^M$\n     5\tthree"},
    {"bnsET", "one\n\n\ntwo\r\nthree", "     1\tone$\n$\n     2\ttwo^M$\n     3\tthree"},
};

static void test_golden(void **state)
{
    struct sink s;

    (void)state;
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        const struct golden *g = &golden[i];
        run_whole(g->flags, g->in, strlen(g->in), &s);
        if (s.len != strlen(g->out) || memcmp(s.data, g->out, s.len) != 0)
            fail_msg("cat -%s on case %zu: got '%.*s'", g->flags, i, (int)s.len, s.data);
    }
}

/* Inputs with everything the options care about, and the 32 option sets. */
static const char *const tricky[] = {
    "a\tb\r\n\r\n\tc\r",
    "\n\n\nx\n\n\n\ny\r\r\n\n",
    "\r\n\r\r\n\t\t\n\n\n\nend",
    "no newline at all\t\r",
};

static const char *const all_flags[] = {
    "", "n", "b", "s", "E", "T", "nb", "ns", "nE", "nT", "bs", "bE", "bT", "sE", "sT", "ET",
    "nbs", "nbE", "nbT", "nsE", "nsT", "nET", "bsE", "bsT", "bET", "sET", "nbsE", "nbsT",
    "nbET", "nsET", "bsET", "nbsET",
};

/* Whole, one byte per feed, and cut in two at every offset: same output. */
static void test_any_cut_same_output(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(tricky) / sizeof(tricky[0]); t++) {
        const char *in = tricky[t];
        size_t len = strlen(in);
        for (size_t k = 0; k < sizeof(all_flags) / sizeof(all_flags[0]); k++) {
            const char *flags = all_flags[k];
            struct sink whole, cut;
            const char *pieces[64];
            size_t lens[64];

            run_whole(flags, in, len, &whole);

            for (size_t i = 0; i < len; i++) {
                pieces[i] = in + i;
                lens[i] = 1;
            }
            run(flags, 4096, pieces, lens, len, &cut);
            assert_int_equal(cut.len, whole.len);
            assert_memory_equal(cut.data, whole.data, whole.len);

            for (size_t at = 0; at <= len; at++) {
                pieces[0] = in;
                lens[0] = at;
                pieces[1] = in + at;
                lens[1] = len - at;
                run(flags, 4096, pieces, lens, 2, &cut);
                if (cut.len != whole.len || memcmp(cut.data, whole.data, whole.len) != 0)
                    fail_msg("-%s, input %zu cut at %zu differs", flags, t, at);
            }
        }
    }
}

/* The smallest output buffer: many flushes, the same bytes. */
static void test_small_buffer(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(all_flags) / sizeof(all_flags[0]); k++) {
        const char *in = "\t\tline one\r\n\n\n\n"
                         "a much longer line of text, longer than the buffer\r\n"
                         "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
                         "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n";
        size_t len = strlen(in);
        struct sink big, small;

        run_whole(all_flags[k], in, len, &big);
        run(all_flags[k], CATFMT_MIN_CAP, &in, &len, 1, &small);
        assert_int_equal(small.len, big.len);
        assert_memory_equal(small.data, big.data, big.len);
        assert_true(small.writes > 1);
    }
}

/* Files are feeds: numbering goes on, and a last line without newline is
 * continued by the next file's first bytes, unnumbered (cat -n a b). */
static void test_state_across_files(void **state)
{
    const char *pieces[] = {"x", "\n\ny\n", "x"};
    const size_t lens[] = {1, 4, 1};
    const char *want = "     1\tx\n     2\t\n     3\ty\n     4\tx";
    struct sink s;

    (void)state;
    run("n", 4096, pieces, lens, 3, &s);
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.data, want, s.len);

    /* -s counts empty lines across files too. */
    const char *blanks[] = {"a\n\n", "\n\n", "\nb\n"};
    const size_t blens[] = {3, 2, 3};
    run("s", 4096, blanks, blens, 3, &s);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.data, "a\n\nb\n", 5);
}

/* -E: a CR that ends one file and an LF that starts the next are CR LF
 * (GNU cat prints ^M$); a CR that ends all input is printed as it is. */
static void test_pending_cr(void **state)
{
    const char *pieces[] = {"a\r", "\nb"};
    const size_t lens[] = {2, 2};
    const char *other[] = {"a\r", "c"};
    const size_t olens[] = {2, 1};
    struct sink s;

    (void)state;
    run("E", 4096, pieces, lens, 2, &s);
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.data, "a^M$\nb", 6);
    run("E", 4096, other, olens, 2, &s);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.data, "a\rc", 3);
    run("E", 4096, pieces, lens, 1, &s);
    assert_int_equal(s.len, 2);
    assert_memory_equal(s.data, "a\r", 2);
}

/* The number column is 6 wide and simply grows past 999999. */
static void test_wide_numbers(void **state)
{
    struct catfmt_opts o = {.number = true};
    struct catfmt f;
    struct sink s = {0};

    (void)state;
    assert_int_equal(catfmt_init(&f, &o, 4096, sink_write, &s), 0);
    f.line = 999998;
    assert_int_equal(catfmt_feed(&f, "a\nb\n", 4), 0);
    assert_int_equal(catfmt_finish(&f), 0);
    catfmt_free(&f);
    assert_int_equal(s.len, strlen("999999\ta\n1000000\tb\n"));
    assert_memory_equal(s.data, "999999\ta\n1000000\tb\n", s.len);
}

/* A failed write comes back from feed or finish as its errno. */
static void test_write_error(void **state)
{
    struct catfmt_opts o = {.number = true};
    struct catfmt f;
    struct sink s = {0};
    char in[200];
    int rc = 0;

    (void)state;
    memset(in, 'x', sizeof(in));
    s.fail_at = 1;
    assert_int_equal(catfmt_init(&f, &o, CATFMT_MIN_CAP, sink_write, &s), 0);
    rc = catfmt_feed(&f, in, sizeof(in));
    assert_int_equal(rc, -ENOSPC);
    catfmt_free(&f);

    memset(&s, 0, sizeof(s));
    s.fail_at = 1;
    assert_int_equal(catfmt_init(&f, &o, 4096, sink_write, &s), 0);
    assert_int_equal(catfmt_feed(&f, "a\n", 2), 0);
    assert_int_equal(catfmt_finish(&f), -ENOSPC);
    catfmt_free(&f);

    assert_int_equal(catfmt_init(&f, &o, CATFMT_MIN_CAP - 1, sink_write, &s), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_any_cut_same_output),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_state_across_files),
        cmocka_unit_test(test_pending_cr),
        cmocka_unit_test(test_wide_numbers),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
