/* Unit tests for the HTTP/1.1 response-head parser (http_parse_response in
 * impl/http/lib/http_parse.c), the one a proxy uses on its upstream.
 *
 * As for requests, every response is fed whole, a byte at a time (each time
 * from a fresh buffer of exactly len bytes, so ASan sees a read past the
 * end) and split in two at every offset, and must get the same answer each
 * way: a proxy that frames an upstream's response differently depending on
 * how TCP cut it could hand one client the start of another's response. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static const struct http_limits ref_limits = {8192, 8192, 65536, 100};

/* The answer b (rc brc, parsed from bb) is the whole-buffer answer a. */
static void assert_same(int arc, const struct http_response *a, const char *ab, int brc,
                        const struct http_response *b, const char *bb)
{
    assert_int_equal(brc, arc);
    if (arc <= 0)
        return;
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->minor, b->minor);
    assert_int_equal(a->reason.n, b->reason.n);
    assert_int_equal(a->reason.p - ab, b->reason.p - bb);
    assert_int_equal(a->nheaders, b->nheaders);
    for (unsigned i = 0; i < a->nheaders; i++) {
        assert_int_equal(a->headers[i].name.p - ab, b->headers[i].name.p - bb);
        assert_int_equal(a->headers[i].value.n, b->headers[i].value.n);
    }
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->body, b->body);
    assert_int_equal(a->content_length, b->content_length);
    assert_int_equal(a->has_content_length, b->has_content_length);
    assert_int_equal(a->chunked, b->chunked);
}

/* Parses s[0..n) whole, a byte at a time and split at every offset; checks
 * the answers agree and returns the whole one, the response in *out
 * (pointing into a buffer valid until the next call). An error that only
 * the checks of an incomplete head find (they run when the buffer doubles)
 * may still be unreported at the last byte fed one at a time: that is the
 * one case where -2 may differ from -1. */
static int parse_flags(const char *s, size_t n, unsigned flags, struct http_response *out)
{
    static char *whole;
    static struct http_response a, b;

    free(whole);
    whole = malloc(n ? n : 1);
    assert_non_null(whole);
    memcpy(whole, s, n);
    int rc = http_parse_response(whole, n, 0, &ref_limits, flags, &a);

    size_t prev = 0;
    for (size_t len = 1; len <= n; len++) {
        char *p = malloc(len);
        assert_non_null(p);
        memcpy(p, s, len);
        int r = http_parse_response(p, len, prev, &ref_limits, flags, &b);
        if (r != -2 || len == n) {
            if (!(r == -2 && rc == -1))
                assert_same(rc, &a, whole, r, &b, p);
            free(p);
            break;
        }
        free(p);
        prev = len;
    }

    for (size_t k = 1; k < n; k++) {
        int r = http_parse_response(whole, k, 0, &ref_limits, flags, &b);
        if (r == -2)
            r = http_parse_response(whole, n, k, &ref_limits, flags, &b);
        if (!(r == -2 && rc == -1))
            assert_same(rc, &a, whole, r, &b, whole);
    }
    *out = a;
    return rc;
}

static int parse(const char *s, struct http_response *r)
{
    return parse_flags(s, strlen(s), 0, r);
}

static void assert_span(struct http_str s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    assert_memory_equal(s.p, want, s.n);
}

static void test_simple(void **state)
{
    (void)state;
    struct http_response r;
    const char *s = "HTTP/1.1 200 OK\r\n"
                    "Content-Type: text/plain\r\n"
                    "Content-Length: 5\r\n"
                    "X-Backend:  a \r\n"
                    "\r\n"
                    "hello";

    assert_int_equal(parse(s, &r), (int)strlen(s) - 5);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.minor, 1);
    assert_span(r.reason, "OK");
    assert_int_equal(r.nheaders, 3);
    assert_span(r.headers[2].name, "X-Backend");
    assert_span(r.headers[2].value, "a");
    assert_int_equal(r.body, HTTP_BODY_LENGTH);
    assert_int_equal(r.content_length, 5);
    assert_true(r.has_content_length);
    assert_true(r.keep_alive);
    assert_false(r.chunked);
    assert_non_null(http_find_response_header(&r, "content-type"));
    assert_null(http_find_response_header(&r, "content"));
}

static void test_status_line_forms(void **state)
{
    (void)state;
    struct http_response r;

    /* No reason phrase, with and without the space before it. */
    assert_true(parse("HTTP/1.1 204 \r\n\r\n", &r) > 0);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.reason.n, 0);
    assert_true(parse("HTTP/1.1 404\r\n\r\n", &r) > 0);
    assert_int_equal(r.status, 404);
    /* A reason with spaces, tabs and obs-text. */
    assert_true(parse("HTTP/1.1 500 Internal \tServer \xe9rror\r\n\r\n", &r) > 0);
    assert_span(r.reason, "Internal \tServer \xe9rror");
    /* Bare LF line ends (RFC 9112 §2.2). */
    assert_true(parse("HTTP/1.1 200 OK\nContent-Length: 0\n\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    /* HTTP/1.0 */
    assert_true(parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", &r) > 0);
    assert_int_equal(r.minor, 0);
    assert_false(r.keep_alive);
    assert_true(
        parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", &r) > 0);
    assert_true(r.keep_alive);
}

static void test_status_line_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/2.0 200 OK\r\n\r\n",     "HTTP/1.1 20 OK\r\n\r\n",    "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",    "HTTP/1.1 600 High\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",     "HTTP/1.1 200 O\rK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n",          "HTTP/1.1 200 OK\x01\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
    };
    struct http_response r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i], &r);
        if (rc != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(r.error);
    }
}

static void test_framing(void **state)
{
    (void)state;
    struct http_response r;

    assert_true(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_CHUNKED);
    assert_true(r.chunked);
    assert_true(r.keep_alive);

    /* Neither: the body runs to the end of the connection, which cannot
     * then be kept. */
    assert_true(parse("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_CLOSE);
    assert_false(r.keep_alive);

    assert_true(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_true(r.has_content_length);
    assert_true(r.keep_alive);

    assert_true(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
    assert_int_equal(r.body, HTTP_BODY_LENGTH);

    /* Connection is a list, matched ignoring case. */
    assert_true(
        parse("HTTP/1.1 200 OK\r\nConnection: x-foo, CLOSE\r\nContent-Length: 3\r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
}

static void test_no_body_statuses(void **state)
{
    (void)state;
    struct http_response r;
    static const char *const s[] = {
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    };

    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        assert_true(parse(s[i], &r) > 0);
        assert_int_equal(r.body, HTTP_BODY_NONE);
        assert_true(r.keep_alive);
    }
    /* The Content-Length of a 304 still says what a 200 would carry. */
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_true(parse(s[3], &r) > 0);
    assert_int_equal(r.content_length, 10);
    assert_true(r.has_content_length);
}

static void test_head_flag(void **state)
{
    (void)state;
    struct http_response r;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    const char *t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const char *c = "HTTP/1.1 200 OK\r\n\r\n";

    assert_true(parse_flags(s, strlen(s), HTTP_RESP_TO_HEAD, &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_int_equal(r.content_length, 1000);
    assert_true(r.keep_alive);
    assert_true(parse_flags(t, strlen(t), HTTP_RESP_TO_HEAD, &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_true(r.chunked);
    /* No framing at all: for HEAD nothing follows, so the connection can
     * be kept. */
    assert_true(parse_flags(c, strlen(c), HTTP_RESP_TO_HEAD, &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_true(r.keep_alive);
    assert_true(parse_flags(c, strlen(c), 0, &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_CLOSE);
}

/* Messages two readers could frame differently: refused (a proxy answers
 * 502), never guessed at. */
static void test_framing_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        /* RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing. */
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    struct http_response r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &r) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(r.error);
    }
}

/* The field syntax errors a request gets 400 for. */
static void test_field_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n", /* obs-fold */
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n\tfolded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", /* bare CR */
        "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n",   /* space before colon */
        "HTTP/1.1 200 OK\r\nX-A\r\n\r\n",                            /* no colon */
        "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",                        /* no name */
        "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n",                     /* DEL */
        "HTTP/1.1 200 OK\r\n folded: first\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\r\n\r\n",
    };
    struct http_response r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &r) != -1)
            fail_msg("accepted: %s", bad[i]);
    }
    /* A NUL byte in a value (strlen would cut the string there). */
    const char nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
    assert_int_equal(parse_flags(nul, sizeof(nul) - 1, 0, &r), -1);
}

static void test_incomplete(void **state)
{
    (void)state;
    struct http_response r;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";

    for (size_t n = 0; n < strlen(s); n++)
        assert_int_equal(http_parse_response(s, n, 0, NULL, 0, &r), -2);
    assert_int_equal(http_parse_response(s, strlen(s), 0, NULL, 0, &r), (int)strlen(s));
}

/* Heads past a limit are refused as soon as the bytes make it certain, so
 * an upstream that sends an endless head costs one limit of memory. */
static void test_limits(void **state)
{
    (void)state;
    struct http_response r;
    size_t n = 70000;
    char *s = malloc(n + 1);

    assert_non_null(s);
    /* An endless status line: refused within the line limit. */
    memcpy(s, "HTTP/1.1 200 ", 13);
    memset(s + 13, 'a', n - 13);
    size_t prev = 0, len;
    int rc = -2;
    for (len = 1; len <= n && rc == -2; len += 100) {
        rc = http_parse_response(s, len, prev, &ref_limits, 0, &r);
        prev = len;
    }
    assert_int_equal(rc, -1);
    assert_true(len < 8192 * 2 + 200);

    /* An endless field line. */
    const char *h = "HTTP/1.1 200 OK\r\nX-Long: ";
    memcpy(s, h, strlen(h));
    memset(s + strlen(h), 'b', n - strlen(h));
    prev = 0;
    rc = -2;
    for (len = 1; len <= n && rc == -2; len += 100) {
        rc = http_parse_response(s, len, prev, &ref_limits, 0, &r);
        prev = len;
    }
    assert_int_equal(rc, -1);
    assert_true(len < 8192 * 2 + 200);

    /* Too many fields (whole). */
    size_t k = (size_t)sprintf(s, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 101; i++)
        k += (size_t)sprintf(s + k, "X-%d: v\r\n", i);
    k += (size_t)sprintf(s + k, "\r\n");
    assert_int_equal(http_parse_response(s, k, 0, &ref_limits, 0, &r), -1);
    /* 100 is fine. */
    k = (size_t)sprintf(s, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 100; i++)
        k += (size_t)sprintf(s + k, "X-%d: v\r\n", i);
    k += (size_t)sprintf(s + k, "\r\n");
    assert_int_equal(http_parse_response(s, k, 0, &ref_limits, 0, &r), (int)k);
    assert_int_equal(r.nheaders, 100);
    free(s);
}

/* What follows the head (the body, or the next response) is not looked at. */
static void test_bytes_after_head(void **state)
{
    (void)state;
    struct http_response r;
    const char *s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    assert_int_equal(http_parse_response(s, strlen(s), 0, NULL, 0, &r), 25);
    assert_int_equal(r.status, 100);
    assert_int_equal(http_parse_response(s + 25, strlen(s) - 25, 0, NULL, 0, &r),
                     (int)strlen(s) - 25);
    assert_int_equal(r.status, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_status_line_forms),
        cmocka_unit_test(test_status_line_malformed),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_head_flag),
        cmocka_unit_test(test_framing_malformed),
        cmocka_unit_test(test_field_syntax),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bytes_after_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
