/* Unit tests for the guess protocol: the request parser (every malformed
 * case of GUESS-009, each fed as the whole datagram, and also every prefix
 * of a good request, which must be malformed since a datagram is never
 * partial), the reply parser and both formatters. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Parses the NUL-free string s as a whole datagram. */
static int parse(const char *s, struct guess_req *req)
{
    return guess_parse_request(s, strlen(s), req);
}

/* REQ: GUESS-002 */
static void test_parse_good(void **state)
{
    struct guess_req req;

    (void)state;
    assert_int_equal(parse("GUESS 1 50", &req), 10);
    assert_int_equal(req.seq, 1);
    assert_int_equal(req.n, 50);
    assert_int_equal(parse("GUESS 4294967295 1000000\n", &req), 25);
    assert_int_equal(req.seq, 4294967295u);
    assert_int_equal(req.n, 1000000);
    /* A whole number, even out of the game's range, is well formed: the
     * range check belongs to the server (ERR range, not malformed). */
    assert_int_equal(parse("GUESS 3 0", &req), 9);
    assert_int_equal(req.n, 0);
    assert_int_equal(parse("GUESS 3 18446744073709551615", &req), 28);
    assert_true(req.n == UINT64_MAX);
}

/* REQ: GUESS-009 */
static void test_parse_malformed_seq_unreadable(void **state)
{
    static const char *const cases[] = {
        "",                    /* empty datagram */
        "\n",                  /* empty line */
        "HELLO 1 50",          /* unknown word */
        "guess 1 50",          /* words are case-sensitive */
        "GUESS",               /* missing seq and n */
        "GUESS ",              /* missing seq and n */
        "GUESS 0 50",          /* seq 0 */
        "GUESS 00 50",         /* seq 0, however written */
        "GUESS 4294967296 50", /* seq out of range */
        "GUESS 99999999999999999999999 50",
        "GUESS -1 50", /* signs */
        "GUESS +1 50",
        "GUESS 1x 50", /* other non-digits in seq */
        "GUESS 0x10 50",
        "GUESS  1 50", /* two spaces */
        " GUESS 1 50", /* leading space */
        "GUESS\t1 50", /* a tab is not a space */
        "GUESSS 1 50",
        "osnet-ready?\n", /* the harness's readiness probe */
    };
    struct guess_req req;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        req.seq = 12345;
        if (parse(cases[i], &req) != -1 || req.seq != 0)
            fail_msg("case %zu '%s': expected malformed with seq 0, got seq %u", i, cases[i],
                     req.seq);
    }
}

/* REQ: GUESS-009 */
static void test_parse_malformed_seq_readable(void **state)
{
    static const char *const cases[] = {
        "GUESS 7", /* missing n */
        "GUESS 7\n",
        "GUESS 7 ",
        "GUESS 7 \n",
        "GUESS 7 50 8", /* extra field */
        "GUESS 7 50 ",  /* trailing space */
        "GUESS 7 -5",   /* sign */
        "GUESS 7 +5",
        "GUESS 7 5.0", /* other non-digits */
        "GUESS 7 5x",
        "GUESS 7 0x10",
        "GUESS 7 five",
        "GUESS 7  50",    /* two spaces */
        "GUESS 7 50\n\n", /* two lines */
        "GUESS 7 50\r\n", /* only \n may end a request */
        "GUESS 7 50\nGUESS 8 51\n",
        "GUESS 7 18446744073709551616", /* n past 64 bits */
    };
    struct guess_req req;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (parse(cases[i], &req) != -1 || req.seq != 7)
            fail_msg("case %zu '%s': expected malformed with seq 7, got seq %u", i, cases[i],
                     req.seq);
    }
}

/* REQ: GUESS-009 */
static void test_parse_binary_and_huge(void **state)
{
    static const char nul_inside[] = "GUESS 1\0 50";
    static const char nul_after[] = "GUESS 1 50\0";
    size_t big = 65507;
    char *p = malloc(big);
    char bin[256];
    struct guess_req req;

    (void)state;
    assert_non_null(p);
    /* "1\0" is not a whole seq field; "50\0" is not a whole n. */
    assert_int_equal(guess_parse_request(nul_inside, sizeof(nul_inside) - 1, &req), -1);
    assert_int_equal(req.seq, 0);
    assert_int_equal(guess_parse_request(nul_after, sizeof(nul_after) - 1, &req), -1);
    assert_int_equal(req.seq, 1);
    for (int i = 0; i < 256; i++)
        bin[i] = (char)i;
    assert_int_equal(guess_parse_request(bin, sizeof(bin), &req), -1);
    assert_int_equal(req.seq, 0);

    /* The largest datagram: all 'A', then a good start padded with digits. */
    memset(p, 'A', big);
    assert_int_equal(guess_parse_request(p, big, &req), -1);
    assert_int_equal(req.seq, 0);
    memset(p, '1', big);
    memcpy(p, "GUESS 9 ", 8);
    assert_int_equal(guess_parse_request(p, big, &req), -1);
    assert_int_equal(req.seq, 9);
    free(p);
}

/* A datagram is never partial: every proper prefix of a good request is a
 * different, malformed (or shorter but complete) request, never "need more".
 * REQ: GUESS-009 */
static void test_parse_prefixes(void **state)
{
    static const char good[] = "GUESS 12 34\n";
    struct guess_req req;

    (void)state;
    for (size_t len = 0; len < sizeof(good) - 1; len++) {
        int rc = guess_parse_request(good, len, &req);
        /* "GUESS 12 3" and "GUESS 12 34" are themselves good requests. */
        if (len == 10 || len == 11)
            assert_int_equal(rc, (int)len);
        else
            assert_int_equal(rc, -1);
    }
}

/* REQ: GUESS-002 */
static void test_format_reply(void **state)
{
    struct guess_reply r = {.kind = GUESS_CORRECT, .seq = 4294967295u, .tries = 4294967295u};
    char out[GUESS_REPLY_MAX];
    char small[8];

    (void)state;
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 30);
    assert_memory_equal(out, "CORRECT 4294967295 4294967295\n", 30);
    r = (struct guess_reply){.kind = GUESS_HIGHER, .seq = 2, .tries = 2};
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 11);
    assert_memory_equal(out, "HIGHER 2 2\n", 11);
    r = (struct guess_reply){.kind = GUESS_LOWER, .seq = 1, .tries = 1};
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 10);
    assert_memory_equal(out, "LOWER 1 1\n", 10);
    r = (struct guess_reply){.kind = GUESS_ERR_MALFORMED, .seq = 0};
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 16);
    assert_memory_equal(out, "ERR 0 malformed\n", 16);
    r = (struct guess_reply){.kind = GUESS_ERR_RANGE, .seq = 3};
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 12);
    assert_memory_equal(out, "ERR 3 range\n", 12);
    r = (struct guess_reply){.kind = GUESS_ERR_STALE, .seq = 1};
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), 12);
    assert_memory_equal(out, "ERR 1 stale\n", 12);
    assert_int_equal(guess_format_reply(small, sizeof(small), &r), -ENOSPC);
    r.kind = (enum guess_kind)99;
    assert_int_equal(guess_format_reply(out, sizeof(out), &r), -EINVAL);
}

/* What the formatter writes, the reply parser reads back. */
static void test_reply_round_trip(void **state)
{
    static const enum guess_kind kinds[] = {GUESS_HIGHER,        GUESS_LOWER,     GUESS_CORRECT,
                                            GUESS_ERR_MALFORMED, GUESS_ERR_RANGE, GUESS_ERR_STALE};
    char out[GUESS_REPLY_MAX];
    struct guess_reply r, back;
    int n;

    (void)state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        r = (struct guess_reply){.kind = kinds[i], .seq = 77, .tries = 0};
        if (kinds[i] <= GUESS_CORRECT)
            r.tries = 5;
        n = guess_format_reply(out, sizeof(out), &r);
        assert_true(n > 0);
        assert_int_equal(guess_parse_reply(out, (size_t)n, &back), n);
        assert_int_equal(back.kind, r.kind);
        assert_int_equal(back.seq, r.seq);
        assert_int_equal(back.tries, r.tries);
        /* Without its final newline, or with junk after it: not a reply. */
        assert_int_equal(guess_parse_reply(out, (size_t)n - 1, &back), -1);
    }
    assert_int_equal(guess_parse_reply("ERR 1 nope\n", 11, &back), -1);
    assert_int_equal(guess_parse_reply("HIGHER 1\n", 9, &back), -1);
    assert_int_equal(guess_parse_reply("GUESS 1 2\n", 10, &back), -1);
    assert_int_equal(guess_parse_reply("", 0, &back), -1);
}

static void test_format_request(void **state)
{
    char out[48];
    struct guess_req req;
    int n;

    (void)state;
    n = guess_format_request(out, sizeof(out), 4294967295u, 1000000);
    assert_int_equal(n, 25);
    assert_memory_equal(out, "GUESS 4294967295 1000000\n", 25);
    assert_int_equal(guess_parse_request(out, (size_t)n, &req), n);
    assert_int_equal(guess_format_request(out, 10, 1, 1), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_malformed_seq_unreadable),
        cmocka_unit_test(test_parse_malformed_seq_readable),
        cmocka_unit_test(test_parse_binary_and_huge),
        cmocka_unit_test(test_parse_prefixes),
        cmocka_unit_test(test_format_reply),
        cmocka_unit_test(test_reply_round_trip),
        cmocka_unit_test(test_format_request),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
