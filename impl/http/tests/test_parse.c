/* Unit tests for the HTTP/1.1 request parser, the chunked body decoder and
 * the percent decoder (impl/http/lib/http_parse.c).
 *
 * Every request is fed three ways and must get the same answer each time:
 * whole; a byte at a time (growing len, the right prev_len, each time from
 * a fresh buffer of exactly len bytes so ASan sees any read past the end);
 * and split in two at every offset. A parser that answers differently
 * depending on how TCP split the bytes lets two readers of one stream
 * disagree about where requests start (request smuggling). */

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

/* Offset of a span in its buffer, -1 for a span outside it (the static "/"
 * of an absolute-form target without a path), -2 for an empty span. */
static long off(struct http_str s, const char *base, size_t n)
{
    if (s.n == 0)
        return -2;
    if (s.p >= base && s.p + s.n <= base + n)
        return s.p - base;
    return -1;
}

#define SAME_SPAN(a, b, f) \
    assert_true(off(a->f, ab, an) == off(b->f, bb, bn) && a->f.n == b->f.n)

/* The request b, parsed from bb, is the request a parsed from ab. */
static void assert_same_request(const struct http_request *a, const char *ab, size_t an,
                                const struct http_request *b, const char *bb, size_t bn)
{
    assert_int_equal(a->method, b->method);
    SAME_SPAN(a, b, method_str);
    SAME_SPAN(a, b, target);
    SAME_SPAN(a, b, path);
    SAME_SPAN(a, b, query);
    SAME_SPAN(a, b, host);
    SAME_SPAN(a, b, ims);
    SAME_SPAN(a, b, range);
    assert_int_equal(a->minor, b->minor);
    assert_int_equal(a->nheaders, b->nheaders);
    for (unsigned i = 0; i < a->nheaders; i++) {
        SAME_SPAN(a, b, headers[i].name);
        SAME_SPAN(a, b, headers[i].value);
    }
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->body, b->body);
    assert_int_equal(a->content_length, b->content_length);
    assert_int_equal(a->expect_continue, b->expect_continue);
    assert_int_equal(a->if_modified_since, b->if_modified_since);
}

/* Checks that the answer b (rc, from bb) is the whole-buffer answer a. */
static void assert_same(int arc, const struct http_request *a, const char *ab, size_t an, int brc,
                        const struct http_request *b, const char *bb, size_t bn)
{
    assert_int_equal(brc, arc);
    if (arc == -1)
        assert_int_equal(b->status, a->status);
    if (arc > 0)
        assert_same_request(a, ab, an, b, bb, bn);
}

/* Byte-by-byte copies of inputs up to this size are fresh buffers of the
 * exact length; longer inputs (the limit tests) reuse one buffer. */
#define FRESH_MAX 2048

/* Parses s[0..n) whole, a byte at a time and split at every offset; checks
 * the answers agree and returns the whole-buffer one, the request in *out
 * (pointing into a buffer that stays valid until the next call). */
static int parse_lim(const char *s, size_t n, const struct http_limits *lim,
                     struct http_request *out)
{
    static char *whole;
    static struct http_request a, b;

    free(whole);
    whole = malloc(n ? n : 1);
    assert_non_null(whole);
    memcpy(whole, s, n);
    int rc = http_parse_request(whole, n, 0, lim, &a);

    /* A byte at a time. Checks of an incomplete head run when the buffer
     * has doubled, so an error the whole call reports for an incomplete
     * head may still be unreported at the last byte: that is the one case
     * where -2 is allowed to differ. */
    size_t prev = 0;
    for (size_t len = 1; len <= n; len++) {
        char *p = whole;
        if (n <= FRESH_MAX) {
            p = malloc(len);
            assert_non_null(p);
            memcpy(p, s, len);
        }
        int r = http_parse_request(p, len, prev, lim, &b);
        if (r != -2 || len == n) {
            if (!(r == -2 && rc == -1))
                assert_same(rc, &a, whole, n, r, &b, p, len);
            if (p != whole)
                free(p);
            break;
        }
        if (p != whole)
            free(p);
        prev = len;
    }

    /* Split in two: the first part alone, then everything. Long inputs are
     * split near both ends and at a stride: every offset would cost O(n^2). */
    for (size_t k = 1; k < n; k++) {
        if (n > FRESH_MAX && k > 64 && n - k > 64 && k % 509 != 0)
            continue;
        int r = http_parse_request(whole, k, 0, lim, &b);
        if (r == -2)
            r = http_parse_request(whole, n, k, lim, &b);
        if (!(r == -2 && rc == -1))
            assert_same(rc, &a, whole, n, r, &b, whole, n);
    }
    *out = a;
    return rc;
}

static int parse(const char *s, struct http_request *r)
{
    return parse_lim(s, strlen(s), &ref_limits, r);
}

/* The status a request gets (0 when it parses). */
static int status_of(const char *s)
{
    struct http_request r;
    int rc = parse(s, &r);

    assert_true(rc != -2);
    return rc == -1 ? r.status : 0;
}

/* The number of bytes after which a byte-by-byte feed is refused, with the
 * status in *status (0 when it never is). */
static size_t refused_after(const char *s, size_t n, const struct http_limits *lim, int *status)
{
    struct http_request r;
    size_t prev = 0;

    *status = 0;
    for (size_t len = 1; len <= n; len++) {
        int rc = http_parse_request(s, len, prev, lim, &r);
        if (rc == -1) {
            *status = r.status;
            return len;
        }
        assert_int_equal(rc, -2);
        prev = len;
    }
    return n;
}

static void assert_span(struct http_str s, const char *want)
{
    char got[256];
    size_t n = s.n < sizeof(got) - 1 ? s.n : sizeof(got) - 1;

    memcpy(got, s.p, n);
    got[n] = '\0';
    assert_string_equal(got, want);
}

static void test_simple_get(void **state)
{
    (void)state;
    struct http_request r;
    const char *s = "GET /index.html HTTP/1.1\r\n"
                    "Host: example.com\r\n"
                    "User-Agent:curl/7.88.1 \t\r\n"
                    "Accept: */*\r\n"
                    "X-Empty:\r\n"
                    "\r\n";

    assert_int_equal(parse(s, &r), (int)strlen(s));
    assert_int_equal(r.method, HTTP_GET);
    assert_span(r.method_str, "GET");
    assert_span(r.target, "/index.html");
    assert_span(r.path, "/index.html");
    assert_int_equal(r.query.n, 0);
    assert_int_equal(r.minor, 1);
    assert_int_equal(r.nheaders, 4);
    assert_span(r.headers[1].name, "User-Agent");
    assert_span(r.headers[1].value, "curl/7.88.1"); /* OWS trimmed */
    assert_span(r.headers[3].name, "X-Empty");
    assert_int_equal(r.headers[3].value.n, 0);
    assert_span(r.host, "example.com");
    assert_int_equal(r.keep_alive, 1);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_int_equal(r.expect_continue, 0);
    assert_int_equal(r.if_modified_since, 0);
    assert_int_equal(r.range.n, 0);
    assert_non_null(http_find_header(&r, "user-agent"));
    assert_non_null(http_find_header(&r, "ACCEPT"));
    assert_null(http_find_header(&r, "Accept-Encoding"));
    assert_ptr_equal(http_find_header(&r, "hOsT"), &r.headers[0]);
}

/* Bare LF line ends (RFC 9112 §2.2), and the empty lines a client may send
 * before a request, which count in the bytes consumed. */
static void test_bare_lf_and_leading_empty_lines(void **state)
{
    (void)state;
    struct http_request r;

    assert_int_equal(parse("GET / HTTP/1.1\nHost: a\n\n", &r), 24);
    assert_span(r.host, "a");
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\n\r\n", &r), 26);
    assert_int_equal(parse("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 30);
    assert_span(r.path, "/");
    /* 32 bytes of them are fine, 34 are not. */
    char buf[128];
    snprintf(buf, sizeof(buf), "%s%s", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(status_of(buf), 0);
    snprintf(buf, sizeof(buf), "%s%s", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(status_of(buf), 400);
    assert_int_equal(status_of("\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

/* REQ: HTTP-012 */
static void test_methods(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum http_method m;
    } cases[] = {
        {"GET", HTTP_GET},         {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},
        {"PUT", HTTP_PUT},         {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH},
        {"OPTIONS", HTTP_OPTIONS}, {"TRACE", HTTP_TRACE},   {"BREW", HTTP_OTHER},
        {"get", HTTP_OTHER}, /* methods are case-sensitive (RFC 9110 §9.1) */
        {"GETS", HTTP_OTHER},      {"M-SEARCH", HTTP_OTHER}, {"X!#$%&'*+.^_`|~9", HTTP_OTHER},
    };
    struct http_request r;
    char buf[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), "%s /x HTTP/1.1\r\nHost: a\r\n\r\n", cases[i].name);
        assert_int_equal(parse(buf, &r), (int)strlen(buf));
        assert_int_equal(r.method, cases[i].m);
        assert_span(r.method_str, cases[i].name);
    }
    /* Not tokens. */
    assert_int_equal(status_of("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("G\x80T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of(" / HTTP/1.1\r\nHost: a\r\n\r\n"), 400); /* empty method */
}

static void test_query_split(void **state)
{
    (void)state;
    struct http_request r;

    parse("GET /items/7?a=1&b=%20+x HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    assert_span(r.path, "/items/7");
    assert_span(r.query, "a=1&b=%20+x");
    parse("GET /a?b?c HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    assert_span(r.path, "/a");
    assert_span(r.query, "b?c");
    parse("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    assert_span(r.path, "/a");
    assert_int_equal(r.query.n, 0);
    parse("GET /%7Euser/a%20b HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    assert_span(r.path, "/%7Euser/a%20b"); /* still encoded */
}

static void test_absolute_form(void **state)
{
    (void)state;
    struct http_request r;

    assert_true(parse("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n", &r) > 0);
    assert_span(r.target, "http://example.com:8080/a/b?c=d");
    assert_span(r.path, "/a/b");
    assert_span(r.query, "c=d");
    assert_span(r.host, "example.com:8080"); /* the authority wins (RFC 9112 §3.2.2) */
    assert_true(parse("HEAD HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
    assert_span(r.path, "/");
    assert_int_equal(r.query.n, 0);
    assert_true(parse("GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
    assert_span(r.path, "/");
    assert_span(r.query, "x=1");
    assert_true(parse("GET http://[::1]:80/../x HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
    assert_span(r.path, "/../x");
    assert_span(r.host, "[::1]:80");
    /* Still needs a Host field in HTTP/1.1. */
    assert_int_equal(status_of("GET http://h/ HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(status_of("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    assert_int_equal(status_of("GET http://user@h/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    assert_int_equal(status_of("GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    assert_int_equal(status_of("GET h/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

/* asterisk-form is for OPTIONS only, authority-form for CONNECT only
 * (RFC 9112 §3.2.3, §3.2.4). */
/* REQ: HTTP-010 */
static void test_target_forms(void **state)
{
    (void)state;
    struct http_request r;

    assert_true(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0);
    assert_span(r.path, "*");
    assert_true(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", &r) > 0);
    assert_int_equal(r.method, HTTP_CONNECT);
    assert_int_equal(r.path.n, 0);
    assert_span(r.host, "example.com:443");
    assert_int_equal(status_of("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("CONNECT example.com:x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

/* REQ: HTTP-021 */
/* REQ: HTTP-022 */
static void test_keep_alive_rules(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        int keep_alive;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\nHost: a\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\nConnection: ,, keep-alive ,\r\n\r\n", 1},
    };
    struct http_request r;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(cases[i].head, &r), (int)strlen(cases[i].head));
        assert_int_equal(r.keep_alive, cases[i].keep_alive);
    }
    assert_int_equal(r.minor, 0);
    assert_int_equal(r.host.n, 0); /* no Host in 1.0 is fine */
}

/* REQ: HTTP-010 */
static void test_malformed_request_line(void **state)
{
    (void)state;
    static const char *bad[] = {
        "GET / x HTTP/1.1\r\nHost: a\r\n\r\n", /* an extra word */
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",  /* two spaces */
        "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        "GET /\r\nHost: a\r\n\r\n", /* HTTP/0.9 */
        "GET / \r\nHost: a\r\n\r\n",
        "GET\r\nHost: a\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n", /* HTTP-name is case-sensitive */
        "GET / HTTP/1\r\nHost: a\r\n\r\n",
        "GET / HTTP/11\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.10\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.x\r\nHost: a\r\n\r\n",
        "GET / HTTP-1.1\r\nHost: a\r\n\r\n",
        "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", /* CTL in the target */
        "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", /* bare CR */
        "GET / HTTP/1.1\r\rHost: a\r\n\r\n",
        "GET / HTTP/1.1\r \nHost: a\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", /* a TLS ClientHello */
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(status_of(bad[i]), 400);
}

/* A TLS ClientHello or other garbage is refused at its first bytes, not
 * after a timeout. */
/* REQ: HTTP-010 */
static void test_garbage_refused_early(void **state)
{
    (void)state;
    static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    int status;

    assert_int_equal(refused_after(hello, sizeof(hello) - 1, &ref_limits, &status), 1);
    assert_int_equal(status, 400);
    /* A bad method byte after 5 good bytes, fed byte by byte: found by the
     * check that runs when the buffer doubles, at 8 bytes at the latest. */
    static const char junk[] = "GETXX\x01YYYYYYYYYYYYYYYYYY";
    assert_true(refused_after(junk, sizeof(junk) - 1, &ref_limits, &status) <= 8);
    assert_int_equal(status, 400);
}

/* REQ: HTTP-010 */
static void test_malformed_fields(void **state)
{
    (void)state;
    static const char *bad[] = {
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",          /* space before the colon */
        "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n", /* whitespace before the first field */
        "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", /* empty name */
        "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX(: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n", /* bare CR */
        "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n", /* a line that is a bare CR */
        "GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", /* DEL */
        "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(status_of(bad[i]), 400);

    /* NUL in a value: strlen() cannot carry it. */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n";
    struct http_request r;
    assert_int_equal(parse_lim(nul, sizeof(nul) - 1, &ref_limits, &r), -1);
    assert_int_equal(r.status, 400);

    /* obs-text, quotes and tabs inside a value are fine. */
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: \"caf\xc3\xa9\"\tb\r\n\r\n"), 0);
}

/* REQ: HTTP-009 */
static void test_host_rules(void **state)
{
    (void)state;
    assert_int_equal(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHOST: a\r\n\r\n"), 0);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"), 0);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"), 0);
    assert_int_equal(status_of("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0); /* empty: allowed */
}

/* REQ: HTTP-011 */
static void test_version_505(void **state)
{
    (void)state;
    assert_int_equal(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    assert_int_equal(status_of("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), 505);
    assert_int_equal(status_of("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
    assert_int_equal(status_of("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
    assert_int_equal(status_of("GET / HTTP/9.9\n\n"), 505);
}

/* REQ: HTTP-014 */
static void test_content_length(void **state)
{
    (void)state;
    struct http_request r;

    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_LENGTH);
    assert_int_equal(r.content_length, 42);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\ncontent-length:  007 \r\n\r\n", &r) > 0);
    assert_int_equal(r.content_length, 7);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_NONE);
    assert_int_equal(r.content_length, 0);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", &r) > 0);
    assert_int_equal(r.content_length, INT64_MAX);

    static const char *bad[] = {
        "abc", "+5", "-1", "5, 5", "5,5", "5 5", "0x10", "1e3", "",
        "9223372036854775808", "99999999999999999999999",
    };
    char buf[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n", bad[i]);
        assert_int_equal(status_of(buf), 400);
    }
    /* Two fields, even with the same value (like nginx). */
    assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400);
    assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 400);
}

/* REQ: HTTP-014 */
/* REQ: HTTP-015 */
/* REQ: HTTP-018 */
static void test_transfer_encoding(void **state)
{
    (void)state;
    struct http_request r;

    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_CHUNKED);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked \r\n\r\n", &r) > 0);
    assert_int_equal(r.body, HTTP_BODY_CHUNKED);

    const char *pre = "POST / HTTP/1.1\r\nHost: a\r\n";
    static const struct {
        const char *fields;
        int status;
    } cases[] = {
        {"Transfer-Encoding: gzip\r\n", 501},
        {"Transfer-Encoding: gzip, chunked\r\n", 501},
        {"Transfer-Encoding: chunked, gzip\r\n", 501},
        {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501},
        {"Transfer-Encoding: chunked;x=1\r\n", 501},
        {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400}, /* smuggling */
        {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400},
        {"Transfer-Encoding: chunked, chunked\r\n", 400},
        {"Transfer-Encoding:\r\n", 400},
    };
    char buf[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), "%s%s\r\n", pre, cases[i].fields);
        assert_int_equal(status_of(buf), cases[i].status);
    }
    /* HTTP/1.0 has no Transfer-Encoding: its framing is faulty (§6.1). */
    assert_int_equal(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

/* REQ: HTTP-020 */
static void test_expect_ims_range(void **state)
{
    (void)state;
    struct http_request r;

    parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", &r);
    assert_int_equal(r.expect_continue, 1);
    parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", &r);
    assert_int_equal(r.expect_continue, 0); /* ignored in 1.0 (RFC 9110 §10.1.1) */
    parse("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", &r);
    assert_int_equal(r.expect_continue, 0);
    parse("GET /f HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sat, 21 Nov 2026 10:00:00 GMT\r\n"
          "Range: bytes=0-9\r\n\r\n",
          &r);
    assert_int_equal(r.if_modified_since, 1);
    assert_span(r.ims, "Sat, 21 Nov 2026 10:00:00 GMT");
    assert_span(r.range, "bytes=0-9");
}

/* Two requests in one buffer: the first answer is the first head's length,
 * and the rest parses from there. */
/* REQ: HTTP-023 */
static void test_pipelined(void **state)
{
    (void)state;
    const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    struct http_request r;
    int n = http_parse_request(s, strlen(s), 0, NULL, &r);

    assert_int_equal(n, 28);
    assert_span(r.path, "/1");
    assert_int_equal(parse(s + n, &r), 28);
    assert_span(r.path, "/2");
}

/* A request line of `len` bytes (line end excluded), heads with it. */
static char *request_line_of(size_t len)
{
    char *s = malloc(len + 64);
    assert_non_null(s);
    memcpy(s, "GET /", 5);
    memset(s + 5, 'a', len - 14);
    strcpy(s + len - 9, " HTTP/1.1\r\nHost: h\r\n\r\n");
    return s;
}

/* REQ: HTTP-005 */
static void test_request_line_limit(void **state)
{
    (void)state;
    struct http_request r;
    char *s;

    s = request_line_of(8000);
    assert_int_equal(parse(s, &r), (int)strlen(s));
    assert_int_equal(r.target.n, 8000 - 13);
    free(s);
    s = request_line_of(8192);
    assert_int_equal(parse(s, &r), (int)strlen(s));
    free(s);
    s = request_line_of(8193);
    assert_int_equal(parse(s, &r), -1);
    assert_int_equal(r.status, 414);

    /* An endless request line is refused once it is certainly too long:
     * 8192 bytes and a CR could still be a line end, one more byte cannot. */
    int status;
    memset(s + 8000, 'a', 193);
    assert_int_equal(refused_after(s, 8193, &ref_limits, &status), 8193);
    assert_int_equal(status, 414);
    s[8192] = '\r';
    s[8193] = 'a';
    assert_int_equal(refused_after(s, 8194, &ref_limits, &status), 8194);
    assert_int_equal(status, 414);
    free(s);

    /* A syntax error before the limit comes first, also when too long. */
    s = request_line_of(9000);
    s[1] = '\x01';
    assert_int_equal(parse(s, &r), -1);
    assert_int_equal(r.status, 400);
    free(s);
}

static const struct http_limits small = {32, 24, 128, 4};

/* REQ: HTTP-005 */
/* REQ: HTTP-006 */
/* REQ: HTTP-007 */
static void test_small_limits_exact(void **state)
{
    (void)state;
    struct http_request r;
    /* Request line: 32 bytes, then 33. */
    const char *rl32 = "GET /aaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *rl33 = "GET /aaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_true(parse_lim(rl32, strlen(rl32), &small, &r) > 0);
    assert_int_equal(parse_lim(rl33, strlen(rl33), &small, &r), -1);
    assert_int_equal(r.status, 414);

    /* Field line: 24 bytes, then 25 (line end excluded, bare LF or CRLF). */
    const char *f24 = "GET / HTTP/1.1\r\nHost: h\r\nX: aaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    const char *f25 = "GET / HTTP/1.1\r\nHost: h\r\nX: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    const char *f25lf = "GET / HTTP/1.1\nHost: h\nX: aaaaaaaaaaaaaaaaaaaaaa\n\n";
    assert_true(parse_lim(f24, strlen(f24), &small, &r) > 0);
    assert_int_equal(parse_lim(f25, strlen(f25), &small, &r), -1);
    assert_int_equal(r.status, 431);
    assert_int_equal(parse_lim(f25lf, strlen(f25lf), &small, &r), -1);
    assert_int_equal(r.status, 431);

    /* Field count: 4, then 5. */
    const char *n4 = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    const char *n5 = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    assert_true(parse_lim(n4, strlen(n4), &small, &r) > 0);
    assert_int_equal(r.nheaders, 4);
    assert_int_equal(parse_lim(n5, strlen(n5), &small, &r), -1);
    assert_int_equal(r.status, 431);

    /* Head: 128 bytes, then 129, every line within its limit. */
    const char *h128 = "GET /aaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
                       "Host: hhhhhh\r\n"
                       "A: aaaaaaaaaaaaaaaaaaaaa\r\n"
                       "B: bbbbbbbbbbbbbbbbbbbbb\r\n"
                       "C: ccccccccccccccccccccc\r\n"
                       "\r\n";
    const char *h129 = "GET /aaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
                       "Host: hhhhhhh\r\n"
                       "A: aaaaaaaaaaaaaaaaaaaaa\r\n"
                       "B: bbbbbbbbbbbbbbbbbbbbb\r\n"
                       "C: ccccccccccccccccccccc\r\n"
                       "\r\n";
    assert_int_equal(strlen(h128), 128);
    assert_int_equal(parse_lim(h128, 128, &small, &r), 128);
    assert_int_equal(parse_lim(h129, 129, &small, &r), -1);
    assert_int_equal(r.status, 431);

    /* A syntax error in a field does not hide a limit after it. */
    const char *both = "GET / HTTP/1.1\r\nHost : h\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    assert_int_equal(parse_lim(both, strlen(both), &small, &r), -1);
    assert_int_equal(r.status, 431);
}

/* The limits of the field section are enforced before the head ends: an
 * endless field line, endless fields, an endless head. */
/* REQ: HTTP-006 */
/* REQ: HTTP-007 */
/* REQ: HTTP-008 */
static void test_limits_before_head_ends(void **state)
{
    (void)state;
    size_t cap = 80000;
    char *s = malloc(cap);
    int status;
    size_t at;

    assert_non_null(s);
    /* One field line that never ends: refused at 8192 + 2 bytes of it. */
    strcpy(s, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
    size_t pre = strlen(s);
    memset(s + pre, 'x', cap - pre);
    at = refused_after(s, cap, &ref_limits, &status);
    assert_int_equal(status, 431);
    assert_int_equal(at, 25 + 8193);

    /* Short fields that never end: refused by the count, at most after the
     * buffer doubled once more (the count is checked then). */
    size_t n = 16;
    memcpy(s, "GET / HTTP/1.1\r\n", n);
    while (n + 8 < cap) {
        memcpy(s + n, "X: abc\r\n", 8);
        n += 8;
    }
    at = refused_after(s, n, &ref_limits, &status);
    assert_int_equal(status, 431);
    assert_true(at <= 2 * (16 + 101 * 8));

    /* Many fields within the count, no end: refused by the head limit. */
    struct http_limits many = {8192, 8192, 65536, 100};
    memset(s + 16, 'y', cap - 16);
    for (size_t i = 16 + 4000; i < cap; i += 4000)
        s[i] = '\n';
    s[16] = 'X';
    s[17] = ':';
    at = refused_after(s, cap, &many, &status);
    assert_int_equal(status, 431);
    assert_int_equal(at, 65536);
    free(s);
}

/* HTTP-006's acceptable head: 50 fields of up to 4096 bytes, 16 KiB in all;
 * and the reference limits exactly: 100 fields, 8192-byte fields. */
/* REQ: HTTP-006 */
/* REQ: HTTP-008 */
static void test_reference_limits(void **state)
{
    (void)state;
    struct http_request r;
    size_t cap = 70000, n;
    char *s = malloc(cap);

    assert_non_null(s);
    n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 49; i++)
        n += (size_t)sprintf(s + n, "X-%02d: %0*d\r\n", i, i < 2 ? 4096 - 6 : 100, i);
    n += (size_t)sprintf(s + n, "\r\n");
    assert_true(n <= 16384);
    assert_int_equal(parse_lim(s, n, &ref_limits, &r), (int)n);
    assert_int_equal(r.nheaders, 50);
    assert_int_equal(r.headers[1].name.n + 2 + r.headers[1].value.n, 4096);

    /* 100 fields: fine; 101: 431. */
    n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 1; i < 100; i++)
        n += (size_t)sprintf(s + n, "X-%03d: v\r\n", i);
    strcpy(s + n, "\r\n");
    assert_int_equal(parse_lim(s, n + 2, &ref_limits, &r), (int)n + 2);
    assert_int_equal(r.nheaders, 100);
    strcpy(s + n, "X-100: v\r\n\r\n");
    assert_int_equal(parse_lim(s, n + 12, &ref_limits, &r), -1);
    assert_int_equal(r.status, 431);

    /* A field line of 8192 bytes: fine; 8193: 431. */
    n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
    memset(s + n, 'v', 8192 - 3);
    strcpy(s + n + 8192 - 3, "\r\n\r\n");
    assert_int_equal(parse_lim(s, strlen(s), &ref_limits, &r), (int)strlen(s));
    memset(s + n, 'v', 8192 - 2);
    strcpy(s + n + 8192 - 2, "\r\n\r\n");
    assert_int_equal(parse_lim(s, strlen(s), &ref_limits, &r), -1);
    assert_int_equal(r.status, 431);

    /* A head of 65536 bytes: fine; 65537: 431. 8 fields of 8000 bytes. */
    n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 8; i++)
        n += (size_t)sprintf(s + n, "X: %0*d\r\n", 8000 - 3, i);
    size_t fill = 65536 - n - 2 - 2; /* the last field line and the empty line */
    n += (size_t)sprintf(s + n, "Y: %0*d\r\n\r\n", (int)fill - 3, 0);
    assert_int_equal(n, 65536);
    assert_int_equal(parse_lim(s, n, &ref_limits, &r), 65536);
    memmove(s + 30, s + 29, n - 29);
    n++;
    assert_int_equal(parse_lim(s, n, &ref_limits, &r), -1);
    assert_int_equal(r.status, 431);
    free(s);
}

/* ---- chunked bodies ---- */

/* Decodes body fed in pieces of `step` bytes (0: whole), the way a server
 * does: each piece is decoded in place and the data appended to out.
 * Returns the decoder's last answer; *after is what followed the body. */
static ssize_t dechunk(const char *body, size_t n, size_t step, char *out, size_t *outn,
                       char *after, size_t *aftern)
{
    struct http_chunked c;
    ssize_t rc = -2;
    size_t r = 0;

    http_chunked_init(&c);
    *outn = *aftern = 0;
    while (r < n) {
        size_t k = step == 0 || step > n - r ? n - r : step;
        char *p = malloc(k);
        assert_non_null(p);
        memcpy(p, body + r, k);
        size_t len = k;
        rc = http_chunked_decode(&c, p, &len);
        assert_true(len <= k);
        memcpy(out + *outn, p, len);
        *outn += len;
        assert_int_equal(c.total, *outn);
        r += k;
        if (rc >= 0) {
            memcpy(after, p + len, (size_t)rc);
            *aftern = (size_t)rc;
            memcpy(after + rc, body + r, n - r); /* pieces not fed yet */
            *aftern += n - r;
        }
        free(p);
        if (rc != -2)
            break;
    }
    return rc;
}

/* Decodes whole, a byte at a time and in pieces of every size; checks they
 * agree and returns the answer, the data in out, the rest in after. */
static ssize_t dechunk_all(const char *body, size_t n, char *out, size_t *outn, char *after,
                           size_t *aftern)
{
    ssize_t want = dechunk(body, n, 0, out, outn, after, aftern);
    char *o2 = malloc(n + 1), *a2 = malloc(n + 1);

    assert_non_null(o2);
    assert_non_null(a2);
    for (size_t step = 1; step < n; step++) {
        size_t on, anx;
        ssize_t rc = dechunk(body, n, step, o2, &on, a2, &anx);
        assert_int_equal(rc == -1, want == -1);
        if (want == -1)
            continue;
        assert_int_equal(rc >= 0, want >= 0);
        assert_int_equal(on, *outn);
        assert_memory_equal(o2, out, on);
        if (want >= 0) {
            assert_int_equal(anx, *aftern);
            assert_memory_equal(a2, after, anx);
        }
    }
    free(o2);
    free(a2);
    return want;
}

/* REQ: HTTP-018 */
static void test_chunked_decode(void **state)
{
    (void)state;
    static const char body[] = "5\r\nhello\r\n"
                               "1A;name=value;q=\"a b\"\r\n"
                               "abcdefghijklmnopqrstuvwxyz\r\n"
                               "a \t; ext\r\n"
                               "\x00\x01\x02\r\n\xff\xfe\xfd\x80\x7f\r\n"
                               "000\r\n"
                               "Trailer-One: 1\r\n"
                               "Trailer-Two:  x\r\n"
                               "\r\n"
                               "GET /next HTTP/1.1\r\n";
    char out[256], after[256];
    size_t on, an;

    ssize_t rc = dechunk_all(body, sizeof(body) - 1, out, &on, after, &an);
    assert_int_equal(rc, strlen("GET /next HTTP/1.1\r\n"));
    assert_int_equal(on, 5 + 26 + 10);
    assert_memory_equal(out, "helloabcdefghijklmnopqrstuvwxyz\x00\x01\x02\r\n\xff\xfe\xfd\x80\x7f", on);
    assert_int_equal(an, rc);
    assert_memory_equal(after, "GET /next HTTP/1.1\r\n", an);

    /* Bare LF line ends; no trailer; the body ends with the buffer. */
    static const char lf[] = "3\nabc\n0\n\n";
    rc = dechunk_all(lf, sizeof(lf) - 1, out, &on, after, &an);
    assert_int_equal(rc, 0);
    assert_int_equal(on, 3);

    /* An empty body. */
    rc = dechunk_all("0\r\n\r\n", 5, out, &on, after, &an);
    assert_int_equal(rc, 0);
    assert_int_equal(on, 0);

    /* Incomplete: -2 with all data so far. */
    rc = dechunk_all("4\r\nab", 5, out, &on, after, &an);
    assert_int_equal(rc, -2);
    assert_int_equal(on, 2);
}

/* REQ: HTTP-018 */
static void test_chunked_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "\r\nabc\r\n0\r\n\r\n",      /* no size */
        "x\r\n",                     /* not hex */
        "-1\r\n",
        "+1\r\n",
        "0x1\r\nA\r\n0\r\n\r\n",
        "5 5\r\nhello\r\n0\r\n\r\n", /* a second number */
        "3\r\nabcX\r\n0\r\n\r\n",    /* no line end after the data */
        "3\r\nabc\rX",
        "3\rX",
        "3;a\rb\r\n",
        "3;a\x01\r\n",
        "0\r\nBad\x01Trailer\r\n\r\n",
        "0\r\nT: 1\rX\r\n\r\n",
        "0\r\n\rX",
        "10000000000000000\r\n",     /* 2^64: does not fit */
        "fffffffffffffffff\r\n",
    };
    char out[256], after[256];
    size_t on, an;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(dechunk_all(bad[i], strlen(bad[i]), out, &on, after, &an), -1);

    /* The largest size is fine as a size: the caller's limit stops it. */
    struct http_chunked c;
    char big[] = "ffffffffffffffff\r\nab";
    size_t len = sizeof(big) - 1;
    http_chunked_init(&c);
    assert_int_equal(http_chunked_decode(&c, big, &len), -2);
    assert_int_equal(len, 2);
    assert_int_equal(c.total, 2);

    /* Size and trailer lines: 4096 bytes fine, 4097 not. */
    char *s = malloc(16384);
    assert_non_null(s);
    memset(s, '0', 4095);
    strcpy(s + 4095, "1\r\nx\r\n0\r\n\r\n");
    assert_int_equal(dechunk_all(s, strlen(s), out, &on, after, &an), 0);
    assert_int_equal(on, 1);
    memset(s, '0', 4096);
    strcpy(s + 4096, "1\r\nx\r\n0\r\n\r\n");
    assert_int_equal(dechunk_all(s, strlen(s), out, &on, after, &an), -1);
    strcpy(s, "0\r\nT: "); /* a trailer line of 3 + 4093 bytes */
    memset(s + 6, 't', 4093);
    strcpy(s + 6 + 4093, "\r\n\r\n");
    assert_int_equal(dechunk_all(s, strlen(s), out, &on, after, &an), 0);
    strcpy(s, "0\r\nT: ");
    memset(s + 6, 't', 4094);
    strcpy(s + 6 + 4094, "\r\n\r\n");
    assert_int_equal(dechunk_all(s, strlen(s), out, &on, after, &an), -1);

    /* The limit is per line: three 2000-byte extensions and three
     * 2000-byte trailer lines are fine. */
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        n += (size_t)sprintf(s + n, "1;e=");
        memset(s + n, 'e', 1996);
        n += 1996;
        n += (size_t)sprintf(s + n, "\r\n%c\r\n", 'a' + i);
    }
    n += (size_t)sprintf(s + n, "0\r\n");
    for (int i = 0; i < 3; i++) {
        n += (size_t)sprintf(s + n, "T: ");
        memset(s + n, 't', 1997);
        n += 1997;
        n += (size_t)sprintf(s + n, "\r\n");
    }
    n += (size_t)sprintf(s + n, "\r\n");
    assert_true(n < 16384);
    assert_int_equal(dechunk_all(s, n, out, &on, after, &an), 0);
    assert_int_equal(on, 3);
    assert_memory_equal(out, "abc", 3);
    free(s);
}

/* Feeds the decoder in 4 KiB pieces until it answers something other than
 * "need more" or the input ends; returns that answer. */
static ssize_t dechunk_stream(const char *body, size_t n)
{
    struct http_chunked c;
    char piece[4096];
    ssize_t rc = -2;

    http_chunked_init(&c);
    for (size_t r = 0; r < n && rc == -2; r += sizeof(piece)) {
        size_t len = n - r < sizeof(piece) ? n - r : sizeof(piece);
        memcpy(piece, body + r, len);
        rc = http_chunked_decode(&c, piece, &len);
    }
    return rc;
}

/* REQ: HTTP-018 */
/* The framing of a body is bounded as a whole: trailers that never end and
 * huge extensions around tiny chunks are refused, however they are cut,
 * while a body finely cut into 1-byte chunks is not. */
static void test_chunked_framing_bound(void **state)
{
    (void)state;
    size_t cap = 8u << 20, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);

    /* 1 MiB of data in 1-byte chunks: 5 bytes of framing per data byte. */
    for (int i = 0; i < (1 << 20); i++)
        n += (size_t)sprintf(s + n, "1\r\n%c\r\n", 'a' + i % 26);
    n += (size_t)sprintf(s + n, "0\r\n\r\n");
    assert_int_equal(dechunk_stream(s, n), 0);

    /* Trailer lines, each within the line limit, that never end. */
    n = (size_t)sprintf(s, "0\r\n");
    while (n + 64 < cap)
        n += (size_t)sprintf(s + n, "X-Trailer: %040d\r\n", 0);
    assert_int_equal(dechunk_stream(s, n), -1);

    /* 1-byte chunks each carrying a 1000-byte extension. */
    n = 0;
    while (n + 2048 < cap) {
        n += (size_t)sprintf(s + n, "1;e=");
        memset(s + n, 'e', 1000);
        n += 1000;
        n += (size_t)sprintf(s + n, "\r\nx\r\n");
    }
    assert_int_equal(dechunk_stream(s, n), -1);
    free(s);
}

/* Once the body has ended, a further call hands back every byte as what
 * follows the body, and an error stays an error. */
static void test_chunked_after_end(void **state)
{
    (void)state;
    struct http_chunked c;
    char buf[64];
    size_t len;

    http_chunked_init(&c);
    strcpy(buf, "0\r\n\r\n");
    len = 5;
    assert_int_equal(http_chunked_decode(&c, buf, &len), 0);
    strcpy(buf, "GET");
    len = 3;
    assert_int_equal(http_chunked_decode(&c, buf, &len), 3);
    assert_int_equal(len, 0);
    assert_memory_equal(buf, "GET", 3);

    http_chunked_init(&c);
    strcpy(buf, "z");
    len = 1;
    assert_int_equal(http_chunked_decode(&c, buf, &len), -1);
    strcpy(buf, "0\r\n\r\n");
    len = 5;
    assert_int_equal(http_chunked_decode(&c, buf, &len), -1);
}

/* ---- percent-decoding ---- */

static ssize_t pdec(const char *s, char *out, int plus, int nul)
{
    ssize_t n = http_percent_decode(s, strlen(s), out, plus, nul);
    if (n >= 0)
        out[n] = '\0';
    return n;
}

/* REQ: HTTP-028 */
/* REQ: HTTP-038 */
static void test_percent_decode(void **state)
{
    (void)state;
    char out[128];

    assert_int_equal(pdec("/a%20b.txt", out, 0, 0), 8);
    assert_string_equal(out, "/a b.txt");
    assert_int_equal(pdec("%2F%2f%7e%7E", out, 0, 0), 4);
    assert_string_equal(out, "//~~");
    assert_int_equal(pdec("/..%2F..%2fx", out, 0, 0), 8);
    assert_string_equal(out, "/../../x");
    assert_int_equal(pdec("%E2%82%AC", out, 0, 0), 3);
    assert_string_equal(out, "\xe2\x82\xac");
    assert_int_equal(pdec("", out, 0, 0), 0);

    /* '+' is a space only where asked (query strings). */
    assert_int_equal(pdec("a+b%2B", out, 1, 0), 4);
    assert_string_equal(out, "a b+");
    assert_int_equal(pdec("a+b%2B", out, 0, 0), 4);
    assert_string_equal(out, "a+b+");

    /* Malformed escapes. */
    static const char *bad[] = {"%", "a%", "%4", "%4g", "%g4", "%%41", "%zz", "/a%2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pdec(bad[i], out, 1, 1), -1);

    /* %00 only where allowed. */
    assert_int_equal(pdec("/a%00b", out, 0, 0), -1);
    assert_int_equal(http_percent_decode("/a%00b", 6, out, 0, 1), 4);
    assert_memory_equal(out, "/a\0b", 4);

    /* In place. */
    char s[] = "x%41%42+y";
    assert_int_equal(http_percent_decode(s, strlen(s), s, 1, 0), 5);
    assert_memory_equal(s, "xAB y", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_bare_lf_and_leading_empty_lines),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_query_split),
        cmocka_unit_test(test_absolute_form),
        cmocka_unit_test(test_target_forms),
        cmocka_unit_test(test_keep_alive_rules),
        cmocka_unit_test(test_malformed_request_line),
        cmocka_unit_test(test_garbage_refused_early),
        cmocka_unit_test(test_malformed_fields),
        cmocka_unit_test(test_host_rules),
        cmocka_unit_test(test_version_505),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_expect_ims_range),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_request_line_limit),
        cmocka_unit_test(test_small_limits_exact),
        cmocka_unit_test(test_limits_before_head_ends),
        cmocka_unit_test(test_reference_limits),
        cmocka_unit_test(test_chunked_decode),
        cmocka_unit_test(test_chunked_malformed),
        cmocka_unit_test(test_chunked_after_end),
        cmocka_unit_test(test_chunked_framing_bound),
        cmocka_unit_test(test_percent_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
