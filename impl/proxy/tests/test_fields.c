/* Unit tests for what the proxy changes in the heads it forwards
 * (impl/proxy/lib/fields.c): hop-by-hop filtering, the fields it adds, and
 * the heads it writes. Heads are parsed with the real parsers and the
 * output is compared byte for byte, so a test reads like what the upstream
 * or the client receives. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

static struct http_request req;
static struct http_response res;
static struct buf out;

static int setup(void **state)
{
    (void)state;
    buf_init(&out, 1 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    buf_free(&out);
    return 0;
}

static void parse_req(const char *s)
{
    assert_int_equal(http_parse_request(s, strlen(s), 0, NULL, &req), (int)strlen(s));
}

static void parse_res(const char *s, unsigned flags)
{
    assert_int_equal(http_parse_response(s, strlen(s), 0, NULL, flags, &res), (int)strlen(s));
}

/* The forwarded head of request s (with no empty line: the caller adds
 * it), compared with want. */
static void assert_forwarded(const char *s, const char *const *replace, const char *want)
{
    struct fields_request fr = {
        .req = &req, .client_ip = "10.0.0.9", .via_name = "osnet-proxy", .replace = replace};

    parse_req(s);
    buf_consume(&out, buf_len(&out));
    assert_int_equal(fields_write_request(&out, &fr), 0);
    assert_int_equal(buf_len(&out), strlen(want));
    assert_memory_equal(buf_peek(&out), want, strlen(want));
}

static void test_hop_names(void **state)
{
    (void)state;
    static const char *const hop[] = {
        "Connection",
        "keep-alive",
        "TE",
        "Trailer",
        "UPGRADE",
        "Proxy-Connection",
        "Proxy-Authorization",
        "proxy-authenticate",
        "Transfer-Encoding",
    };
    static const char *const not_hop[] = {"Host", "Content-Length", "X-Forwarded-For", "Via",
                                          "Tee",  "Connections",    "Trailers",        ""};

    for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
        assert_true(fields_is_hop(hop[i], strlen(hop[i])));
    for (size_t i = 0; i < sizeof(not_hop) / sizeof(not_hop[0]); i++)
        assert_false(fields_is_hop(not_hop[i], strlen(not_hop[i])));
}

static void test_connection_names(void **state)
{
    (void)state;
    parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: close , X-Foo,,x-bar\r\n"
              "Connection: X-Baz\r\nX-Foo: 1\r\nX-BAR: 2\r\nX-Baz: 3\r\nX-Keep: 4\r\n"
              "Content-Length: 0\r\n\r\n");
    assert_true(fields_named_by_connection(req.headers, req.nheaders, "x-foo", 5));
    assert_true(fields_named_by_connection(req.headers, req.nheaders, "X-Bar", 5));
    assert_true(fields_named_by_connection(req.headers, req.nheaders, "x-baz", 5));
    assert_false(fields_named_by_connection(req.headers, req.nheaders, "x-keep", 6));
    assert_false(fields_named_by_connection(req.headers, req.nheaders, "x-fo", 4));
    for (unsigned i = 0; i < req.nheaders; i++) {
        const struct http_str *n = &req.headers[i].name;
        int keep = fields_forwardable(req.headers, req.nheaders, i);
        if (n->n == 6 && memcmp(n->p, "X-Keep", 6) == 0)
            assert_true(keep);
        else if (n->n == 4 || n->n == 14) /* Host, Content-Length */
            assert_true(keep);
        else
            assert_false(keep);
    }
}

/* A Connection field cannot take away the fields that frame the message:
 * the body would then be read as the next request. */
static void test_framing_fields_survive_connection(void **state)
{
    (void)state;
    parse_req("POST / HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, Host\r\n"
              "Content-Length: 3\r\n\r\n");
    for (unsigned i = 0; i < req.nheaders; i++)
        if (req.headers[i].name.n != 10) /* Connection */
            assert_true(fields_forwardable(req.headers, req.nheaders, i));
}

static void test_request_plain(void **state)
{
    (void)state;
    assert_forwarded("GET /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\n"
                     "Accept: */*\r\n\r\n",
                     NULL,
                     "GET /a/b?x=1 HTTP/1.1\r\n"
                     "Host: example.com:8080\r\n"
                     "User-Agent: t\r\n"
                     "Accept: */*\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n");
}

/* REQ: PROXY-007, PROXY-008 */
static void test_request_hop_by_hop(void **state)
{
    (void)state;
    assert_forwarded("DELETE /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\n"
                     "Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\n"
                     "Upgrade: websocket\r\nProxy-Connection: keep-alive\r\n"
                     "Proxy-Authorization: Basic eA==\r\nX-Secret: s\r\nX-Kept: k\r\n\r\n",
                     NULL,
                     "DELETE /x HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "X-Kept: k\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n");
}

/* REQ: PROXY-009, PROXY-010, PROXY-011 */
static void test_request_lists_appended(void **state)
{
    (void)state;
    assert_forwarded("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n"
                     "Via: 1.0 first\r\nx-forwarded-for: 3.3.3.3\r\nVIA: 1.1 second\r\n"
                     "X-Forwarded-Proto: https\r\n\r\n",
                     NULL,
                     "GET / HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "X-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.0 first, 1.1 second, 1.1 osnet-proxy\r\n");
}

static void test_request_bodies(void **state)
{
    (void)state;
    /* Content-Length passes as sent; chunked is announced again (the body
     * is re-encoded by the relay). */
    assert_forwarded("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n", NULL,
                     "POST /u HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "Content-Length: 12\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n");
    assert_forwarded("PUT /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n\r\n", NULL,
                     "PUT /u HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n"
                     "Transfer-Encoding: chunked\r\n");
}

static void test_request_absolute_form(void **state)
{
    (void)state;
    /* The authority replaces Host (RFC 9112 §3.2.2); the upstream gets
     * origin-form. */
    assert_forwarded("GET http://other.example:81/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n", NULL,
                     "GET /p?q HTTP/1.1\r\n"
                     "Host: other.example:81\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n");
    assert_forwarded("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
                     "GET / HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.1 osnet-proxy\r\n");
}

static void test_request_http10_and_replace(void **state)
{
    (void)state;
    static const char *const replace[] = {"traceparent", "X-Request-Id", NULL};

    assert_forwarded("GET / HTTP/1.0\r\ntraceparent: 00-x\r\nx-request-id: 7\r\nX-A: 1\r\n\r\n",
                     replace,
                     "GET / HTTP/1.1\r\n"
                     "X-A: 1\r\n"
                     "X-Forwarded-For: 10.0.0.9\r\n"
                     "X-Forwarded-Proto: http\r\n"
                     "Via: 1.0 osnet-proxy\r\n");

    /* default_host fills in a missing Host. */
    struct fields_request fr = {
        .req = &req, .client_ip = "::1", .via_name = "p", .default_host = "127.0.0.1:9"};
    parse_req("GET / HTTP/1.0\r\n\r\n");
    buf_consume(&out, buf_len(&out));
    assert_int_equal(fields_write_request(&out, &fr), 0);
    const char *want = "GET / HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Forwarded-For: ::1\r\n"
                       "X-Forwarded-Proto: http\r\nVia: 1.0 p\r\n";
    assert_int_equal(buf_len(&out), strlen(want));
    assert_memory_equal(buf_peek(&out), want, strlen(want));
}

static void assert_response_replace(const char *s, unsigned flags, int chunked,
                                    enum fields_conn conn, const char *const *replace,
                                    const char *want)
{
    parse_res(s, flags);
    buf_consume(&out, buf_len(&out));
    assert_int_equal(fields_write_response(&out, &res, "osnet-proxy", chunked, conn, replace), 0);
    assert_int_equal(buf_len(&out), strlen(want));
    assert_memory_equal(buf_peek(&out), want, strlen(want));
}

static void assert_response(const char *s, unsigned flags, int chunked, enum fields_conn conn,
                            const char *want)
{
    assert_response_replace(s, flags, chunked, conn, NULL, want);
}

/* REQ: PROXY-013, PROXY-014, PROXY-015 */
static void test_response_heads(void **state)
{
    (void)state;
    assert_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close, X-Hop-Resp\r\n"
                    "X-Hop-Resp: 1\r\nKeep-Alive: timeout=4\r\nProxy-Authenticate: Basic\r\n"
                    "Upgrade: h2c\r\nTrailer: X-T\r\nX-Backend: a\r\nVia: 1.1 origin\r\n\r\n",
                    0, 0, FIELDS_CONN_NONE,
                    "HTTP/1.1 200 OK\r\n"
                    "Content-Length: 5\r\n"
                    "X-Backend: a\r\n"
                    "Via: 1.1 origin, 1.1 osnet-proxy\r\n");
    /* Chunked is announced by us (the relay re-encodes a close-delimited
     * body); HTTP/1.0 upstream shows in Via; an empty reason gets ours. */
    assert_response("HTTP/1.0 404\r\n\r\n", 0, 1, FIELDS_CONN_CLOSE,
                    "HTTP/1.1 404 Not Found\r\n"
                    "Via: 1.0 osnet-proxy\r\n"
                    "Transfer-Encoding: chunked\r\n"
                    "Connection: close\r\n");
    assert_response("HTTP/1.1 100 Continue\r\n\r\n", 0, 0, FIELDS_CONN_NONE,
                    "HTTP/1.1 100 Continue\r\nVia: 1.1 osnet-proxy\r\n");
    assert_response("HTTP/1.1 204 No Content\r\n\r\n", 0, 0, FIELDS_CONN_KEEP_ALIVE,
                    "HTTP/1.1 204 No Content\r\nVia: 1.1 osnet-proxy\r\n"
                    "Connection: keep-alive\r\n");
    /* Fields the hooks replace (the sidecar's X-Request-Id) are dropped,
     * whatever their case; the others pass. */
    static const char *const replace[] = {"x-request-id", NULL};
    assert_response_replace("HTTP/1.1 200 OK\r\nX-Request-ID: origin-1\r\nX-A: 1\r\n"
                            "x-request-id: origin-2\r\nContent-Length: 0\r\n\r\n",
                            0, 0, FIELDS_CONN_NONE, replace,
                            "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 0\r\n"
                            "Via: 1.1 osnet-proxy\r\n");
}

static void test_error_responses(void **state)
{
    (void)state;
    char body[80];

    assert_int_equal(fields_error_body(502, body), 16);
    assert_memory_equal(body, "502 Bad Gateway\n", 16);
    assert_int_equal(fields_error_body(504, body), 20);
    assert_memory_equal(body, "504 Gateway Timeout\n", 20);
    assert_string_equal(fields_reason(503), "Service Unavailable");
    assert_string_equal(fields_reason(404), "Not Found");

    buf_consume(&out, buf_len(&out));
    assert_int_equal(fields_write_error(&out, 502, "Sun, 06 Nov 1994 08:49:37 GMT", 1), 0);
    const char *want = "HTTP/1.1 502 Bad Gateway\r\nServer: osnet\r\n"
                       "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
                       "Content-Length: 16\r\nConnection: close\r\n";
    assert_int_equal(buf_len(&out), strlen(want));
    assert_memory_equal(buf_peek(&out), want, strlen(want));
}

/* A head that does not fit the output buffer is an error, not a crash or a
 * silently cut head. */
static void test_output_bound(void **state)
{
    (void)state;
    struct buf small;
    struct fields_request fr = {.req = &req, .client_ip = "10.0.0.9", .via_name = "p"};

    buf_init(&small, 40);
    parse_req("GET /a-rather-long-path HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_int_equal(fields_write_request(&small, &fr), -ENOBUFS);
    buf_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hop_names),
        cmocka_unit_test(test_connection_names),
        cmocka_unit_test(test_framing_fields_survive_connection),
        cmocka_unit_test(test_request_plain),
        cmocka_unit_test(test_request_hop_by_hop),
        cmocka_unit_test(test_request_lists_appended),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_request_absolute_form),
        cmocka_unit_test(test_request_http10_and_replace),
        cmocka_unit_test(test_response_heads),
        cmocka_unit_test(test_error_responses),
        cmocka_unit_test(test_output_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
