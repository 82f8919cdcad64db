/* Unit tests for mserver.c: which requests get the metrics, and one live
 * exchange over loopback (pipelined requests answered in order on one
 * connection). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mserver.h"
#include "net.h"

static int route(const char *head)
{
    struct http_request req;

    assert_int_equal(http_parse_request(head, strlen(head), 0, NULL, &req), (int)strlen(head));
    return mserver_route(&req);
}

/* REQ: SIDECAR-048 */
static void test_route(void **state)
{
    (void)state;
    assert_int_equal(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    assert_int_equal(route("HEAD /metrics?name=x HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    assert_int_equal(route("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
    assert_int_equal(route("GET /metrics/ HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    assert_int_equal(route("GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    assert_int_equal(route("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    assert_int_equal(route("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
}

struct live {
    struct loop *loop;
    int calls;
};

/* The body callback: answers "hello\n" and, the second time, stops the
 * loop (after this callback, which also sends the response). */
static int body(void *ctx, struct buf *out)
{
    struct live *l = ctx;

    if (++l->calls == 2)
        loop_stop(l->loop);
    return buf_append(out, "hello\n", 6);
}

/* REQ: SIDECAR-048 */
static void test_pipelined_on_one_connection(void **state)
{
    static const char reqs[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    struct live l = {0};
    struct mserver *m = NULL;
    char got[4096];
    size_t len = 0;
    int fd, port;

    (void)state;
    assert_int_equal(loop_create(&l.loop), 0);
    assert_int_equal(mserver_create(l.loop, "127.0.0.1", 0, 10000, body, &l, &m), 0);
    port = mserver_port(m);
    assert_true(port > 0);
    fd = net_connect("127.0.0.1", (unsigned)port, 0);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, reqs, sizeof(reqs) - 1, 0), (ssize_t)(sizeof(reqs) - 1));
    assert_int_equal(loop_run(l.loop), 0);
    /* The loop stopped after the callback that answered the last request,
     * which also sent the responses: they are all in our socket now. */
    for (;;) {
        ssize_t n = recv(fd, got + len, sizeof(got) - 1 - len, MSG_DONTWAIT);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    got[len] = '\0';
    /* Both 200s and the 404 in between, in order, each with its framing. */
    {
        const char *a = strstr(got, "HTTP/1.1 200 OK\r\n");
        const char *b = a ? strstr(a + 1, "HTTP/1.1 404 Not Found\r\n") : NULL;
        const char *c = b ? strstr(b + 1, "HTTP/1.1 200 OK\r\n") : NULL;
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(c);
        assert_non_null(strstr(got, "Content-Type: " MSERVER_CONTENT_TYPE "\r\n"));
        assert_non_null(strstr(got, "Content-Length: 6\r\n\r\nhello\n"));
        assert_null(strstr(got, "Connection: close"));
    }
    close(fd);
    mserver_destroy(m);
    loop_destroy(l.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_pipelined_on_one_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
