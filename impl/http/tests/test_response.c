/* Unit tests for response heads (status line, the fields each kind of
 * response carries) and access log lines (Combined Log Format, escaping). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"
#include "response.h"

static const char date[] = "Sun, 06 Nov 1994 08:49:37 GMT";

static const char *head(const struct resp_head *h)
{
    static char out[4096];
    size_t n;

    assert_true(resp_head_size(h) < sizeof(out));
    n = resp_head_write(h, date, out);
    assert_true(n <= resp_head_size(h));
    out[n] = '\0';
    return out;
}

/* REQ: HTTP-002, HTTP-003 */
static void test_file_head(void **state)
{
    struct resp_head h = {
        .status = 200,
        .content_type = "text/plain",
        .content_length = 5,
        .has_last_modified = true,
        .last_modified = 784111777,
        .accept_ranges = true,
    };

    (void)state;
    assert_string_equal(head(&h), "HTTP/1.1 200 OK\r\n"
                                  "Server: osnet\r\n"
                                  "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "Content-Length: 5\r\n"
                                  "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                  "Accept-Ranges: bytes\r\n"
                                  "\r\n");
}

static void test_range_heads(void **state)
{
    struct resp_head h = {
        .status = 206,
        .content_length = 2,
        .content_range = true,
        .range_first = 1,
        .range_len = 2,
        .range_size = 18446744073709551615ULL,
        .conn = RESP_CONN_KEEP_ALIVE,
    };

    (void)state;
    assert_non_null(strstr(head(&h), "\r\nContent-Range: bytes 1-2/18446744073709551615\r\n"));
    assert_non_null(strstr(head(&h), "\r\nConnection: keep-alive\r\n\r\n"));
    assert_memory_equal(head(&h), "HTTP/1.1 206 Partial Content\r\n", 30);
    h.status = 416;
    h.range_unsatisfiable = true;
    h.range_size = 5;
    assert_non_null(strstr(head(&h), "\r\nContent-Range: bytes */5\r\n"));
}

static void test_other_heads(void **state)
{
    struct resp_head h = {.status = 304, .no_length = true};
    struct resp_head r = {
        .status = 301, .location = "/dir/?a=1", .location_len = 9, .conn = RESP_CONN_CLOSE};
    struct resp_head a = {.status = 405, .allow = "GET, HEAD"};

    (void)state;
    assert_string_equal(head(&h), "HTTP/1.1 304 Not Modified\r\nServer: osnet\r\n"
                                  "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
    assert_non_null(strstr(head(&r), "\r\nLocation: /dir/?a=1\r\nConnection: close\r\n\r\n"));
    assert_non_null(strstr(head(&r), "\r\nContent-Length: 0\r\n"));
    assert_non_null(strstr(head(&a), "HTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(head(&a), "\r\nAllow: GET, HEAD\r\n"));
}

static void test_reasons_and_error_bodies(void **state)
{
    /* Every status the server sends. */
    static const int codes[] = {100, 200, 206, 301, 304, 400, 403, 404, 405,
                                408, 413, 414, 416, 431, 500, 501, 505};
    char body[64];

    (void)state;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_string_not_equal(resp_reason(codes[i]), "Unknown");
    assert_string_equal(resp_reason(431), "Request Header Fields Too Large");
    assert_string_equal(resp_reason(299), "Unknown");
    body[resp_error_body(404, body)] = '\0';
    assert_string_equal(body, "404 Not Found\n");
}

/* REQ: HTTP-036 */
static void test_log_line(void **state)
{
    struct alog_entry e = {
        .peer = "127.0.0.1",
        .time = "21/Nov/2026:10:00:00 +0000",
        .request = "GET /a.txt HTTP/1.1",
        .status = 200,
        .bytes = 5,
        .agent = "curl/7.88.1",
    };
    char out[ALOG_LINE_MAX];

    (void)state;
    e.request_len = strlen(e.request);
    e.agent_len = strlen(e.agent);
    out[alog_format(&e, out, sizeof(out))] = '\0';
    assert_string_equal(out, "127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] \"GET /a.txt HTTP/1.1\" "
                             "200 5 \"-\" \"curl/7.88.1\"\n");
}

/* REQ: HTTP-036 */
static void test_log_escapes(void **state)
{
    struct alog_entry e = {
        .peer = "::1",
        .time = "21/Nov/2026:10:00:00 +0000",
        .request = "GET /\"x\\\n\x7f\xff HTTP/1.1",
        .status = 400,
        .bytes = 0,
        .referer = "r\"",
        .referer_len = 2,
    };
    char out[ALOG_LINE_MAX];

    (void)state;
    e.request_len = strlen(e.request);
    out[alog_format(&e, out, sizeof(out))] = '\0';
    assert_string_equal(out,
                        "::1 - - [21/Nov/2026:10:00:00 +0000] "
                        "\"GET /\\x22x\\x5c\\x0a\\x7f\\xff HTTP/1.1\" 400 0 \"r\\x22\" \"-\"\n");
}

static void test_log_buffer(void **state)
{
    char path[] = "/tmp/osnet-alog-XXXXXX";
    int fd = mkstemp(path);
    struct alog_entry e = {.peer = "1.2.3.4",
                           .time = "t",
                           .request = "GET / HTTP/1.0",
                           .request_len = 14,
                           .status = 200};
    static const char line[] = "1.2.3.4 - - [t] \"GET / HTTP/1.0\" 200 0 \"-\" \"-\"\n";
    struct alog l;
    char got[8192];
    ssize_t n;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(alog_init(&l, fd), 0);
    assert_true(l.atomic);
    for (int i = 0; i < 3; i++)
        alog_add(&l, &e);
    assert_int_equal(lseek(fd, 0, SEEK_END), 0); /* buffered until the flush */
    alog_flush(&l);
    n = pread(fd, got, sizeof(got) - 1, 0);
    assert_int_equal(n, 3 * strlen(line));
    got[n] = '\0';
    assert_string_equal(got + 2 * strlen(line), line);
    alog_free(&l);
    close(fd);
    unlink(path);

    /* No log: nothing happens, nothing is allocated. */
    assert_int_equal(alog_init(&l, -1), 0);
    alog_add(&l, &e);
    alog_flush(&l);
    assert_null(l.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_head),   cmocka_unit_test(test_range_heads),
        cmocka_unit_test(test_other_heads), cmocka_unit_test(test_reasons_and_error_bodies),
        cmocka_unit_test(test_log_line),    cmocka_unit_test(test_log_escapes),
        cmocka_unit_test(test_log_buffer),
    };

    return cmocka_run_group_tests_name("http responses and access log", tests, NULL, NULL);
}
