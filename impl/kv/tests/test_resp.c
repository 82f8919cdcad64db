/* Unit tests for the RESP2 request parser and the reply writers
 * (impl/kv/lib/resp.c, resp_write.c).
 *
 * Every request is fed three ways and must get the same answer each time:
 * whole; a byte at a time (each call from a fresh buffer of exactly len
 * bytes, so ASan and valgrind see any read past the end, and so the parser
 * is shown to keep offsets, not pointers, across calls); and split in two
 * at every offset. A server whose answer depends on how TCP split the
 * bytes would run different commands for the same stream. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "resp.h"

#define E_MBULK "Protocol error: invalid multibulk length"
#define E_BULK "Protocol error: invalid bulk length"
#define E_MBULK_BIG "Protocol error: too big mbulk count string"
#define E_BULK_BIG "Protocol error: too big bulk count string"
#define E_INLINE_BIG "Protocol error: too big inline request"

/* What one parse answered, kept after the parser has moved on: the
 * arguments' bytes are copied (a quoted inline argument lives in the
 * parser, not in the buffer). */
struct answer {
    ssize_t rc;
    char error[64];
    int is_inline;
    size_t argc;
    struct resp_arg *argv; /* p points into bytes */
    char *bytes;
};

static void answer_free(struct answer *a)
{
    free(a->argv);
    free(a->bytes);
    a->argv = NULL;
    a->bytes = NULL;
}

/* Records p's answer rc for the buffer buf (checking that each argument's
 * pointer is its offset in buf, unless it was unquoted by the parser). */
static void record(struct answer *a, ssize_t rc, const struct resp_parser *p, const char *buf)
{
    memset(a, 0, sizeof(*a));
    a->rc = rc;
    if (rc == -1) {
        assert_non_null(p->error);
        snprintf(a->error, sizeof(a->error), "%s", p->error);
    }
    if (rc > 0) {
        size_t total = 0, at = 0;
        a->is_inline = p->is_inline;
        a->argc = p->argc;
        a->argv = calloc(p->argc ? p->argc : 1, sizeof(*a->argv));
        assert_non_null(a->argv);
        for (size_t i = 0; i < p->argc; i++)
            total += p->argv[i].n;
        a->bytes = malloc(total ? total : 1);
        assert_non_null(a->bytes);
        for (size_t i = 0; i < p->argc; i++) {
            if (p->argv[i].off == RESP_OFF_NONE) {
                assert_true(p->is_inline);
            } else {
                assert_ptr_equal(p->argv[i].p, buf + p->argv[i].off);
                assert_true(p->argv[i].off + p->argv[i].n <= (size_t)rc);
            }
            a->argv[i] = p->argv[i];
            memcpy(a->bytes + at, p->argv[i].p, p->argv[i].n);
            a->argv[i].p = a->bytes + at;
            at += p->argv[i].n;
        }
    }
}

static void assert_same(const struct answer *a, const struct answer *b)
{
    assert_int_equal(b->rc, a->rc);
    assert_string_equal(b->error, a->error);
    if (a->rc > 0) {
        assert_int_equal(b->is_inline, a->is_inline);
        assert_int_equal(b->argc, a->argc);
        for (size_t i = 0; i < a->argc; i++) {
            assert_int_equal(b->argv[i].off, a->argv[i].off);
            assert_int_equal(b->argv[i].n, a->argv[i].n);
            assert_memory_equal(b->argv[i].p, a->argv[i].p, a->argv[i].n);
        }
    }
}

/* Byte-by-byte copies of inputs up to this size are fresh buffers of the
 * exact length; longer inputs (the limit tests) reuse one buffer. */
#define FRESH_MAX 2048

static char *copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

/* Parses s[0..n) whole, a byte at a time and split in two at every offset
 * (at a stride for long inputs); checks the answers agree and that the work
 * stays linear; returns the whole-buffer answer in *out. */
static void parse_lim(const char *s, size_t n, const struct resp_limits *lim, struct answer *out)
{
    struct resp_parser p;
    struct answer b;
    char *whole = copy(s, n);

    resp_parser_init(&p, lim);
    record(out, resp_parse(&p, whole, n), &p, whole);
    resp_parser_free(&p);

    /* A byte at a time, the state carried across calls. */
    resp_parser_init(&p, lim);
    size_t calls = 0;
    for (size_t len = 1; len <= n; len++) {
        char *buf = n <= FRESH_MAX ? copy(s, len) : whole;
        ssize_t r = resp_parse(&p, buf, len);
        calls++;
        if (r != -2 || len == n) {
            record(&b, r, &p, buf);
            assert_same(out, &b);
            answer_free(&b);
            if (buf != whole)
                free(buf);
            break;
        }
        if (buf != whole)
            free(buf);
    }
    /* No byte examined twice, except one per call (the CR whose LF had
     * not arrived yet). */
    assert_true(p.scanned <= n + calls);
    resp_parser_free(&p);

    /* Split in two: the first part alone, then everything. */
    size_t stride = n <= FRESH_MAX ? 1 : n / 97 + 1;
    for (size_t k = 0; k <= n; k += (k < 4 || n - k < 4) ? 1 : stride) {
        char *first = copy(s, k);
        resp_parser_init(&p, lim);
        ssize_t r = resp_parse(&p, first, k);
        if (r == -2) {
            r = resp_parse(&p, whole, n);
            record(&b, r, &p, whole);
        } else {
            record(&b, r, &p, first);
        }
        assert_same(out, &b);
        answer_free(&b);
        resp_parser_free(&p);
        free(first);
    }
    free(whole);
}

static void parse(const char *s, size_t n, struct answer *out)
{
    parse_lim(s, n, NULL, out);
}

#define PARSE(lit, out) parse(lit, sizeof(lit) - 1, out)

/* Checks argument i of a is the string want (length wn), and that an
 * argument that is a span of buf has those bytes there. */
static void assert_arg(const struct answer *a, const char *buf, size_t i, const char *want,
                       size_t wn)
{
    assert_true(i < a->argc);
    assert_int_equal(a->argv[i].n, wn);
    assert_memory_equal(a->argv[i].p, want, wn);
    if (a->argv[i].off != RESP_OFF_NONE)
        assert_memory_equal(buf + a->argv[i].off, want, wn);
}

#define ARG(a, buf, i, lit) assert_arg(a, buf, i, lit, sizeof(lit) - 1)

/* Parses s whole and expects -1 with message msg (and the same answer
 * however it is split). */
static void expect_error_lim(const char *s, size_t n, const struct resp_limits *lim,
                             const char *msg)
{
    struct answer a;
    parse_lim(s, n, lim, &a);
    assert_int_equal(a.rc, -1);
    assert_string_equal(a.error, msg);
    answer_free(&a);
}

#define ERR(lit, msg) expect_error_lim(lit, sizeof(lit) - 1, NULL, msg)

static void test_multibulk(void **state)
{
    (void)state;
    static const char req[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    struct answer a;

    PARSE(req, &a);
    assert_int_equal(a.rc, sizeof(req) - 1);
    assert_false(a.is_inline);
    assert_int_equal(a.argc, 3);
    ARG(&a, req, 0, "SET");
    ARG(&a, req, 1, "key");
    ARG(&a, req, 2, "value");
    answer_free(&a);

    /* One argument, and an empty bulk string. */
    static const char one[] = "*2\r\n$4\r\nPING\r\n$0\r\n\r\n";
    PARSE(one, &a);
    assert_int_equal(a.rc, sizeof(one) - 1);
    assert_int_equal(a.argc, 2);
    ARG(&a, one, 0, "PING");
    assert_int_equal(a.argv[1].n, 0);
    answer_free(&a);
}

/* Bulk strings are binary-safe: NUL, CR, LF and "\r\n$" inside are data. */
static void test_binary_safe(void **state)
{
    (void)state;
    static const char req[] = "*2\r\n$3\r\na\0b\r\n$9\r\n\r\n$1\r\n*\n\xff\r\n";
    struct answer a;

    PARSE(req, &a);
    assert_int_equal(a.rc, sizeof(req) - 1);
    assert_int_equal(a.argc, 2);
    ARG(&a, req, 0, "a\0b");
    ARG(&a, req, 1, "\r\n$1\r\n*\n\xff");
    answer_free(&a);
}

/* Like redis, the byte after a line's CR and the two after a bulk's data
 * are skipped unchecked. */
static void test_unchecked_terminators(void **state)
{
    (void)state;
    static const char req[] = "*1\rX$2\r?abYZ";
    struct answer a;

    PARSE(req, &a);
    assert_int_equal(a.rc, sizeof(req) - 1);
    assert_int_equal(a.argc, 1);
    ARG(&a, req, 0, "ab");
    answer_free(&a);
}

/* Empty commands: redis ignores them; the parser consumes them with
 * argc == 0. */
static void test_empty_commands(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int inl;
    } cases[] = {
        {"\r\n", 1}, {"\n", 1}, {"   \r\n", 1}, {" \t\r\n", 1},
        {"*0\r\n", 0}, {"*-1\r\n", 0}, {"*-10\r\n", 0},
    };
    struct answer a;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i].s);
        parse(cases[i].s, n, &a);
        assert_int_equal(a.rc, n);
        assert_int_equal(a.argc, 0);
        assert_int_equal(a.is_inline, cases[i].inl);
        answer_free(&a);
    }
}

static void test_inline(void **state)
{
    (void)state;
    struct answer a;

    static const char ping[] = "PING\r\n";
    PARSE(ping, &a);
    assert_int_equal(a.rc, 6);
    assert_true(a.is_inline);
    assert_int_equal(a.argc, 1);
    ARG(&a, ping, 0, "PING");
    answer_free(&a);

    /* Bare LF; runs of spaces and tabs; a CR inside the line separates. */
    static const char set[] = "  SET\t k \t v\rw  \n";
    PARSE(set, &a);
    assert_int_equal(a.rc, sizeof(set) - 1);
    assert_int_equal(a.argc, 4);
    ARG(&a, set, 0, "SET");
    ARG(&a, set, 1, "k");
    ARG(&a, set, 2, "v");
    ARG(&a, set, 3, "w");
    answer_free(&a);

    /* VT and FF are skipped between arguments but do not end one, as in
     * redis's sdssplitargs(). */
    static const char vt[] = "\v ECHO a\vb\f\r\n";
    PARSE(vt, &a);
    assert_int_equal(a.argc, 2);
    ARG(&a, vt, 1, "a\vb\f");
    answer_free(&a);

    /* A NUL byte is part of an argument; a '*' later in the line is not
     * special, nor is '$'. */
    static const char nul[] = "GET a\0b *3 $1\r\n";
    PARSE(nul, &a);
    assert_int_equal(a.argc, 4);
    ARG(&a, nul, 1, "a\0b");
    ARG(&a, nul, 2, "*3");
    answer_free(&a);

    /* Incomplete without its LF. */
    PARSE("GET k\r", &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);
}

/* Inline quoting, as redis's sdssplitargs(). Each case is parsed whole,
 * byte by byte and split everywhere (parse()), so the unquoting does not
 * depend on how the line arrived. */
static void test_inline_quotes(void **state)
{
    (void)state;
    struct answer a;

    static const char dq[] = "SET k \"a b\"\r\n";
    PARSE(dq, &a);
    assert_int_equal(a.rc, sizeof(dq) - 1);
    assert_int_equal(a.argc, 3);
    ARG(&a, dq, 0, "SET");
    ARG(&a, dq, 1, "k");
    ARG(&a, dq, 2, "a b");
    assert_int_equal(a.argv[2].off, RESP_OFF_NONE);
    answer_free(&a);

    /* Every escape of double quotes; an unknown one is the byte itself; a
     * \x without two hex digits is an x. */
    static const char esc[] = "ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\x41\\xfF\\q\\x4g\\'\"\n";
    PARSE(esc, &a);
    assert_int_equal(a.argc, 2);
    ARG(&a, esc, 1, "\n\r\t\b\a\\\"A\xff" "qx4g'");
    answer_free(&a);

    /* Single quotes: only \' is an escape; double quotes are plain. */
    static const char sq[] = "ECHO 'it\\'s \"x\" \\n'\r\n";
    PARSE(sq, &a);
    assert_int_equal(a.argc, 2);
    ARG(&a, sq, 1, "it's \"x\" \\n");
    answer_free(&a);

    /* Empty quoted arguments; a plain start joins the quoted part after it;
     * whitespace after a closing quote may be any isspace() byte; plain
     * arguments around quoted ones stay spans of the buffer. */
    static const char mix[] = "\"\" '' a\"b c\" d'e'\t\"x\"\vplain\r\n";
    PARSE(mix, &a);
    assert_int_equal(a.argc, 6);
    ARG(&a, mix, 0, "");
    ARG(&a, mix, 1, "");
    ARG(&a, mix, 2, "ab c");
    ARG(&a, mix, 3, "de");
    ARG(&a, mix, 4, "x");
    ARG(&a, mix, 5, "plain");
    assert_int_not_equal(a.argv[5].off, RESP_OFF_NONE);
    answer_free(&a);

    /* Quotes make CR, LF-free binary and separators data. */
    static const char bin[] = "ECHO \"a\rb\\x00c\"\r\n";
    PARSE(bin, &a);
    assert_int_equal(a.argc, 2);
    ARG(&a, bin, 1, "a\rb\0c");
    answer_free(&a);

    /* Unbalanced: never closed, closed and followed by a non-space, a
     * backslash escaping the closing quote. */
    ERR("ECHO \"abc\r\n", "Protocol error: unbalanced quotes in request");
    ERR("ECHO 'abc\n", "Protocol error: unbalanced quotes in request");
    ERR("ECHO \"a\"b\r\n", "Protocol error: unbalanced quotes in request");
    ERR("ECHO 'a'b\r\n", "Protocol error: unbalanced quotes in request");
    ERR("ECHO \"a\\\"\r\n", "Protocol error: unbalanced quotes in request");
    ERR("ECHO \"a\\\r\n", "Protocol error: unbalanced quotes in request");

    /* A quote inside a line with plain arguments only later. */
    static const char later[] = "GET k\r\nECHO \"x\"\r\n";
    struct resp_parser p;
    resp_parser_init(&p, NULL);
    assert_int_equal(resp_parse(&p, later, sizeof(later) - 1), 7);
    assert_int_equal(p.argc, 2);
    assert_int_equal(resp_parse(&p, later + 7, sizeof(later) - 8), sizeof(later) - 8);
    assert_int_equal(p.argc, 2);
    assert_int_equal(p.argv[1].n, 1);
    assert_memory_equal(p.argv[1].p, "x", 1);
    resp_parser_free(&p);
}

/* Several requests in one buffer come out one per call, whatever their
 * kinds, and the empty ones between them are consumed as empty. */
static void test_pipelined(void **state)
{
    (void)state;
    static const char s[] = "*1\r\n$4\r\nPING\r\n"
                            "\r\n"
                            "ECHO hi\r\n"
                            "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                            "*0\r\n"
                            "*1\r\n$4\r\nQUIT\r\n"
                            "*1\r\n$3\r\nDE";
    static const struct {
        size_t n, argc;
        const char *first;
    } want[] = {
        {14, 1, "PING"}, {2, 0, NULL}, {9, 2, "ECHO"}, {20, 2, "GET"}, {4, 0, NULL}, {14, 1, "QUIT"},
    };
    struct resp_parser p;
    size_t off = 0, n = sizeof(s) - 1;

    resp_parser_init(&p, NULL);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ssize_t rc = resp_parse(&p, s + off, n - off);
        assert_int_equal(rc, want[i].n);
        assert_int_equal(p.argc, want[i].argc);
        if (want[i].first)
            assert_memory_equal(p.argv[0].p, want[i].first, strlen(want[i].first));
        off += (size_t)rc;
    }
    assert_int_equal(resp_parse(&p, s + off, n - off), -2);
    resp_parser_free(&p);

    /* The same stream fed a byte at a time, dropping each request once
     * parsed, gives the same requests. */
    resp_parser_init(&p, NULL);
    size_t start = 0, got = 0;
    for (size_t end = 1; end <= n; end++) {
        char *piece = copy(s + start, end - start);
        ssize_t rc = resp_parse(&p, piece, end - start);
        if (rc > 0) {
            assert_int_equal(rc, want[got].n);
            assert_int_equal(p.argc, want[got].argc);
            if (want[got].first)
                assert_memory_equal(p.argv[0].p, want[got].first, strlen(want[got].first));
            got++;
            start += (size_t)rc;
        } else {
            assert_int_equal(rc, -2);
        }
        free(piece);
    }
    assert_int_equal(got, sizeof(want) / sizeof(want[0]));
    resp_parser_free(&p);
}

static void test_errors(void **state)
{
    (void)state;
    /* Counts: strict decimal, as redis's string2ll(). */
    ERR("*x\r\n", E_MBULK);
    ERR("*\r\n", E_MBULK);
    ERR("*01\r\n", E_MBULK);
    ERR("*+1\r\n", E_MBULK);
    ERR("*1 \r\n", E_MBULK);
    ERR("* 1\r\n", E_MBULK);
    ERR("*-0\r\n", E_MBULK);
    ERR("*-\r\n", E_MBULK);
    ERR("*1\n$1\r\na\r\n", E_MBULK); /* the count line ends at CR only */
    ERR("*99999999999999999999\r\n", E_MBULK);
    ERR("*2147483648\r\n", E_MBULK);

    /* Lengths. */
    ERR("*1\r\n$-1\r\n", E_BULK);
    ERR("*1\r\n$\r\n", E_BULK);
    ERR("*1\r\n$x\r\n", E_BULK);
    ERR("*1\r\n$01\r\n", E_BULK);
    ERR("*1\r\n$1 \r\n", E_BULK);
    ERR("*1\r\n$99999999999999999999\r\n", E_BULK);

    /* Something else than a bulk string inside a multibulk. */
    ERR("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'");
    ERR("*1\r\n:1\r\n", "Protocol error: expected '$', got ':'");
    ERR("*1\r\n*1\r\n", "Protocol error: expected '$', got '*'");
    /* A CR shows as a space: the reply line must not break. */
    ERR("*1\r\n\r\n", "Protocol error: expected '$', got ' '");
    ERR("*1\r\n\n\r\n", "Protocol error: expected '$', got ' '");

    /* Errors are sticky until the parser is initialized again. */
    struct resp_parser p;
    resp_parser_init(&p, NULL);
    assert_int_equal(resp_parse(&p, "*x\r\n", 4), -1);
    assert_int_equal(resp_parse(&p, "PING\r\n", 6), -1);
    resp_parser_init(&p, NULL);
    assert_int_equal(resp_parse(&p, "PING\r\n", 6), 6);
    resp_parser_free(&p);
}

/* Each limit with small values: at the bound accepted, one past refused. */
static void test_limits_exact(void **state)
{
    (void)state;
    const struct resp_limits lim = {.max_bulk = 10, .max_args = 3, .max_inline = 16};
    struct answer a;

    /* max_bulk */
    static const char b10[] = "*1\r\n$10\r\n0123456789\r\n";
    parse_lim(b10, sizeof(b10) - 1, &lim, &a);
    assert_int_equal(a.rc, sizeof(b10) - 1);
    answer_free(&a);
    static const char b11[] = "*1\r\n$11\r\n0123456789a\r\n";
    expect_error_lim(b11, sizeof(b11) - 1, &lim, E_BULK);

    /* max_args: the count itself is refused, before any argument. */
    static const char c3[] = "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    parse_lim(c3, sizeof(c3) - 1, &lim, &a);
    assert_int_equal(a.argc, 3);
    answer_free(&a);
    expect_error_lim("*4\r\n", 4, &lim, E_MBULK);

    /* max_inline: bytes before the LF, CR included. */
    static const char i16[] = "abcdefghijklmno\r\n";
    parse_lim(i16, sizeof(i16) - 1, &lim, &a);
    assert_int_equal(a.rc, 17);
    answer_free(&a);
    static const char i16lf[] = "abcdefghijklmnop\n";
    parse_lim(i16lf, sizeof(i16lf) - 1, &lim, &a);
    assert_int_equal(a.rc, 17);
    answer_free(&a);
    expect_error_lim("abcdefghijklmnop\r\n", 18, &lim, E_INLINE_BIG);
    /* ... refused as soon as the 17th byte arrives, LF or not. */
    expect_error_lim("abcdefghijklmnopq", 17, &lim, E_INLINE_BIG);
    parse_lim("abcdefghijklmnop", 16, &lim, &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);

    /* Inline arguments count against max_args too. */
    parse_lim("a b c\r\n", 7, &lim, &a);
    assert_int_equal(a.argc, 3);
    answer_free(&a);
    expect_error_lim("a b c d\r\n", 9, &lim, E_INLINE_BIG);

    /* A count line of max_inline bytes ('*' included, CR excluded) is
     * judged on its value; one more byte without CR is too big. */
    static const char cl16[] = "*-11111111111111\r\n";
    parse_lim(cl16, sizeof(cl16) - 1, &lim, &a);
    assert_int_equal(a.rc, sizeof(cl16) - 1);
    assert_int_equal(a.argc, 0);
    answer_free(&a);
    expect_error_lim("*-111111111111111", 17, &lim, E_MBULK_BIG);
    expect_error_lim("*-111111111111111\r\n", 19, &lim, E_MBULK_BIG);

    /* The same for a length line; its prefix is checked only once the line
     * is complete, as redis does. */
    const struct resp_limits lim4 = {.max_bulk = 1000, .max_args = 3, .max_inline = 4};
    static const char l4[] = "*1\r\n$100\r\n";
    parse_lim(l4, sizeof(l4) - 1, &lim4, &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);
    expect_error_lim("*1\r\n$1000\r\n", 11, &lim4, E_BULK_BIG);
    expect_error_lim("*1\r\nXXXXX", 9, &lim4, E_BULK_BIG);
    expect_error_lim("*1\r\nXXXX\r\n", 10, &lim4, "Protocol error: expected '$', got 'X'");
}

/* The default limits are redis's: 512 MiB bulks, 1024*1024 arguments,
 * 64 KiB inline lines. */
static void test_default_limits(void **state)
{
    (void)state;
    struct answer a;

    assert_int_equal(resp_default_limits.max_bulk, 512 * 1024 * 1024);
    assert_int_equal(resp_default_limits.max_args, 1024 * 1024);
    assert_int_equal(resp_default_limits.max_inline, 64 * 1024);

    PARSE("*1\r\n$536870912\r\n", &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);
    ERR("*1\r\n$536870913\r\n", E_BULK);
    PARSE("*1048576\r\n", &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);
    ERR("*1048577\r\n", E_MBULK);

    /* Lines of 64 KiB: accepted at the bound, refused one byte past it. */
    size_t n = 64 * 1024;
    char *s = malloc(n + 2);
    assert_non_null(s);
    memset(s, 'a', n + 2);
    s[n] = '\n';
    parse_lim(s, n + 1, NULL, &a);
    assert_int_equal(a.rc, n + 1);
    assert_int_equal(a.argc, 1);
    answer_free(&a);
    s[n] = 'a';
    s[n + 1] = '\n';
    expect_error_lim(s, n + 2, NULL, E_INLINE_BIG);

    s[0] = '*';
    expect_error_lim(s, n + 1, NULL, E_MBULK_BIG);
    parse_lim(s, n, NULL, &a);
    assert_int_equal(a.rc, -2);
    answer_free(&a);
    free(s);
}

/* A 100 MiB bulk arriving 64 KiB at a time: its data is never scanned, so
 * the parser's work does not grow with the calls. */
static void test_incremental_big_bulk(void **state)
{
    (void)state;
    const size_t big = 100u * 1024 * 1024;
    static const char head[] = "*2\r\n$3\r\nSET\r\n$104857600\r\n";
    size_t hn = sizeof(head) - 1, n = hn + big + 2;
    char *s = malloc(n);
    struct resp_parser p;

    assert_non_null(s);
    memcpy(s, head, hn);
    memset(s + hn, 'v', big);
    s[hn + 1000] = '\r'; /* data that looks like framing */
    s[hn + 1001] = '\n';
    memcpy(s + hn + big, "\r\n", 2);

    resp_parser_init(&p, NULL);
    size_t len = 0, calls = 0;
    ssize_t rc = -2;
    while (len < n) {
        len = len + 65536 > n ? n : len + 65536;
        rc = resp_parse(&p, s, len);
        calls++;
        if (len < n)
            assert_int_equal(rc, -2);
    }
    assert_int_equal(rc, n);
    assert_int_equal(p.argc, 2);
    assert_ptr_equal(p.argv[1].p, s + hn);
    assert_int_equal(p.argv[1].n, big);
    assert_true(calls > 1000);
    /* Only the header lines were searched. */
    assert_true(p.scanned <= hn + calls);
    assert_true(p.scanned < 64);
    resp_parser_free(&p);
    free(s);
}

/* 100,000 arguments arriving 3 bytes at a time: each call resumes where
 * the last stopped (argc grows as they arrive) and no byte is searched
 * twice. A parser that rescanned from the start each call would examine
 * about n^2/6 bytes (~10^11). */
static void test_incremental_many_args(void **state)
{
    (void)state;
    const size_t nargs = 100000;
    size_t cap = 32 + nargs * 7, n;
    char *s = malloc(cap);
    struct resp_parser p;

    assert_non_null(s);
    n = (size_t)snprintf(s, cap, "*%zu\r\n", nargs);
    for (size_t i = 0; i < nargs; i++) {
        memcpy(s + n, "$1\r\nx\r\n", 7);
        s[n + 4] = (char)('a' + i % 26);
        n += 7;
    }

    resp_parser_init(&p, NULL);
    size_t len = 0, calls = 0;
    ssize_t rc = -2;
    while (len < n) {
        len = len + 3 > n ? n : len + 3;
        rc = resp_parse(&p, s, len);
        calls++;
        if (len < n)
            assert_int_equal(rc, -2);
        if (len == n / 2)
            assert_true(p.argc > nargs / 2 - 10 && p.argc < nargs / 2 + 10);
    }
    assert_int_equal(rc, n);
    assert_int_equal(p.argc, nargs);
    for (size_t i = 0; i < nargs; i += 9999)
        assert_true(p.argv[i].n == 1 && p.argv[i].p[0] == (char)('a' + i % 26));
    assert_true(p.scanned <= n + calls);
    resp_parser_free(&p);

    /* The same for an inline line arriving a byte at a time. */
    const struct resp_limits lim = {.max_bulk = 1, .max_args = 1000000, .max_inline = 1 << 20};
    n = 0;
    for (size_t i = 0; i < nargs && n + 3 < cap; i++, n += 2)
        memcpy(s + n, "a ", 2);
    s[n++] = '\n';
    resp_parser_init(&p, &lim);
    for (len = 1, calls = 0; len <= n; len++, calls++)
        rc = resp_parse(&p, s, len);
    assert_int_equal(rc, n);
    assert_int_equal(p.argc, nargs);
    assert_true(p.scanned <= n + calls);
    resp_parser_free(&p);
    free(s);
}

/* The writers, byte for byte. */
static void expect_buf(struct buf *b, const char *want, size_t n)
{
    assert_int_equal(buf_len(b), n);
    assert_memory_equal(buf_peek(b), want, n);
    buf_consume(b, n);
}

#define EXPECT(b, lit) expect_buf(b, lit, sizeof(lit) - 1)

static void test_writers(void **state)
{
    (void)state;
    struct buf b;

    buf_init(&b, 1 << 20);
    assert_int_equal(resp_write_simple(&b, "OK"), 0);
    EXPECT(&b, "+OK\r\n");
    assert_int_equal(resp_write_simple(&b, "a\r\nb"), 0);
    EXPECT(&b, "+a  b\r\n");
    assert_int_equal(resp_write_error(&b, "ERR unknown command 'x\ry'"), 0);
    EXPECT(&b, "-ERR unknown command 'x y'\r\n");
    assert_int_equal(resp_write_int(&b, 0), 0);
    EXPECT(&b, ":0\r\n");
    assert_int_equal(resp_write_int(&b, -42), 0);
    EXPECT(&b, ":-42\r\n");
    assert_int_equal(resp_write_int(&b, LLONG_MIN), 0);
    EXPECT(&b, ":-9223372036854775808\r\n");
    assert_int_equal(resp_write_int(&b, LLONG_MAX), 0);
    EXPECT(&b, ":9223372036854775807\r\n");
    assert_int_equal(resp_write_bulk(&b, "a\0\r\nb", 5), 0);
    EXPECT(&b, "$5\r\na\0\r\nb\r\n");
    assert_int_equal(resp_write_bulk(&b, "", 0), 0);
    EXPECT(&b, "$0\r\n\r\n");
    assert_int_equal(resp_write_bulk(&b, NULL, 0), 0);
    EXPECT(&b, "$0\r\n\r\n");
    assert_int_equal(resp_write_null(&b), 0);
    EXPECT(&b, "$-1\r\n");
    assert_int_equal(resp_write_array(&b, 3), 0);
    EXPECT(&b, "*3\r\n");
    assert_int_equal(resp_write_array(&b, 0), 0);
    EXPECT(&b, "*0\r\n");
    assert_int_equal(resp_write_null_array(&b), 0);
    EXPECT(&b, "*-1\r\n");
    buf_free(&b);
}

/* A reply that does not fit is not written at all: no half reply. */
static void test_writers_nobufs(void **state)
{
    (void)state;
    struct buf b;

    buf_init(&b, 10);
    assert_int_equal(resp_write_bulk(&b, "abcd", 4), 0); /* "$4\r\nabcd\r\n": 10 */
    assert_int_equal(resp_write_int(&b, 1), -ENOBUFS);
    assert_int_equal(resp_write_simple(&b, ""), -ENOBUFS);
    assert_int_equal(resp_write_error(&b, ""), -ENOBUFS);
    assert_int_equal(resp_write_null(&b), -ENOBUFS);
    assert_int_equal(resp_write_array(&b, 1), -ENOBUFS);
    assert_int_equal(resp_write_null_array(&b), -ENOBUFS);
    EXPECT(&b, "$4\r\nabcd\r\n");
    assert_int_equal(resp_write_bulk(&b, "abcde", 5), -ENOBUFS);
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(resp_write_simple(&b, "1234567"), 0); /* 10 bytes */
    assert_int_equal(resp_write_simple(&b, ""), -ENOBUFS);
    EXPECT(&b, "+1234567\r\n");
    buf_free(&b);
}

/* What the writers write, the parser reads back (a client's request is an
 * array header and bulk strings). */
static void test_round_trip(void **state)
{
    (void)state;
    struct buf b;
    struct resp_parser p;
    static const char bin[] = "x\0\r\n*1\r\ny";

    buf_init(&b, 1 << 16);
    assert_int_equal(resp_write_array(&b, 3), 0);
    assert_int_equal(resp_write_bulk(&b, "SET", 3), 0);
    assert_int_equal(resp_write_bulk(&b, "", 0), 0);
    assert_int_equal(resp_write_bulk(&b, bin, sizeof(bin) - 1), 0);
    resp_parser_init(&p, NULL);
    assert_int_equal(resp_parse(&p, buf_peek(&b), buf_len(&b)), buf_len(&b));
    assert_int_equal(p.argc, 3);
    assert_int_equal(p.argv[1].n, 0);
    assert_int_equal(p.argv[2].n, sizeof(bin) - 1);
    assert_memory_equal(p.argv[2].p, bin, sizeof(bin) - 1);
    resp_parser_free(&p);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk),
        cmocka_unit_test(test_binary_safe),
        cmocka_unit_test(test_unchecked_terminators),
        cmocka_unit_test(test_empty_commands),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_inline_quotes),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits_exact),
        cmocka_unit_test(test_default_limits),
        cmocka_unit_test(test_incremental_big_bulk),
        cmocka_unit_test(test_incremental_many_args),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_writers_nobufs),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
