/* Unit tests for the active health checker: the status-line parser, then
 * real checks over loopback against a tiny server that runs on the same
 * event loop (so the test needs no thread): pass on 2xx/3xx, fail on other
 * statuses, refused connections, silence past the interval and garbage. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health.h"
#include "loop.h"
#include "net.h"

static void test_parse_status(void **state)
{
    (void)state;
    assert_int_equal(health_parse_status("HTTP/1.1 200 OK\r\n", 17), 200);
    assert_int_equal(health_parse_status("HTTP/1.0 302 Found\r\n", 20), 302);
    assert_int_equal(health_parse_status("HTTP/1.1 503 \r\n", 15), 503);
    assert_int_equal(health_parse_status("HTTP/1.1 204\r\n", 14), 204);
    assert_int_equal(health_parse_status("HTTP/1.1 200", 12), -2);
    assert_int_equal(health_parse_status("HTT", 3), -2);
    assert_int_equal(health_parse_status("", 0), -2);
    assert_int_equal(health_parse_status("SSH-2.0-OpenSSH\r\n", 17), -1);
    assert_int_equal(health_parse_status("HTTP/x", 6), -1);
    assert_int_equal(health_parse_status("HTTP/1.1 20 OK\r\n", 16), -1);
    assert_int_equal(health_parse_status("HTTP/1.1 2000 OK\r\n", 18), -1);
    assert_int_equal(health_parse_status("HTTP/1.1 099 OK\r\n", 17), -1);
    assert_int_equal(health_parse_status("HTTP/1.1  200 OK\r\n", 18), -1);
}

/* The test server: answers each request with `answer` (NULL: never
 * answers) and remembers the last request head it read. */
struct fixture {
    struct loop *loop;
    int lfd;
    struct sockaddr_in addr;
    char name[64];
    const char *answer;
    char request[512];
    size_t request_len;
    int conns[8];
    unsigned nconns;
    /* What the checker reported. */
    bool results[8];
    char why[8][128];
    unsigned nresults, want;
    struct loop_timer *guard;
};

static void conn_io(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct fixture *f = ctx;
    ssize_t k;

    (void)events;
    k = recv(fd, f->request, sizeof(f->request) - 1, 0);
    if (k <= 0 || f->answer == NULL)
        return;
    f->request_len = (size_t)k;
    f->request[k] = '\0';
    if (strstr(f->request, "\r\n\r\n") == NULL)
        return; /* the tests' requests come in one segment */
    assert_int_equal(send(fd, f->answer, strlen(f->answer), MSG_NOSIGNAL),
                     (ssize_t)strlen(f->answer));
    loop_remove(loop, fd);
    close(fd);
    for (unsigned i = 0; i < f->nconns; i++)
        if (f->conns[i] == fd)
            f->conns[i] = -1;
}

static void listener_io(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct fixture *f = ctx;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)events;
    if (c < 0)
        return;
    assert_true(f->nconns < 8);
    f->conns[f->nconns++] = c;
    assert_int_equal(loop_add(loop, c, EPOLLIN, conn_io, f), 0);
}

static void on_result(void *ctx, unsigned i, bool pass, const char *why)
{
    struct fixture *f = ctx;

    assert_int_equal(i, 0);
    if (f->nresults < 8) {
        f->results[f->nresults] = pass;
        snprintf(f->why[f->nresults], sizeof(f->why[0]), "%s", why);
    }
    if (++f->nresults == f->want)
        loop_stop(f->loop);
}

static void guard_fired(struct loop *loop, void *ctx)
{
    (void)ctx;
    loop_stop(loop);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    socklen_t len = sizeof(f->addr);
    int port;

    assert_non_null(f);
    assert_int_equal(loop_create(&f->loop), 0);
    f->lfd = net_listen("127.0.0.1", 0, 16, NET_NONBLOCK);
    assert_true(f->lfd >= 0);
    assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&f->addr, &len), 0);
    port = net_local_port(f->lfd);
    snprintf(f->name, sizeof(f->name), "127.0.0.1:%d", port);
    assert_int_equal(loop_add(f->loop, f->lfd, EPOLLIN, listener_io, f), 0);
    assert_int_equal(loop_timer_create(f->loop, guard_fired, f, &f->guard), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (unsigned i = 0; i < f->nconns; i++) {
        if (f->conns[i] >= 0) {
            loop_remove(f->loop, f->conns[i]);
            close(f->conns[i]);
        }
    }
    if (f->lfd >= 0) {
        loop_remove(f->loop, f->lfd);
        close(f->lfd);
    }
    loop_timer_destroy(f->guard);
    loop_destroy(f->loop);
    free(f);
    return 0;
}

/* Runs checks every interval_ms until `want` results came (or a generous
 * guard expires, which fails the test). */
static void run_checks(struct fixture *f, unsigned interval_ms, unsigned want)
{
    struct health_target target = {f->name, (struct sockaddr *)&f->addr, sizeof(f->addr)};
    struct health *h;
    const char *mult = getenv("OSNET_TIMEOUT_MULTIPLIER");

    f->want = want;
    assert_int_equal(health_start(f->loop, &target, 1, "/health", interval_ms, on_result, f, &h),
                     0);
    assert_int_equal(loop_timer_arm(f->guard, 10000 * (mult != NULL ? (unsigned)atoi(mult) : 1)),
                     0);
    assert_int_equal(loop_run(f->loop), 0);
    health_destroy(h);
    assert_int_equal(f->nresults, want);
}

/* REQ: LB-008 */
static void test_pass_on_2xx_and_3xx(void **state)
{
    struct fixture *f = *state;
    char expect[256];

    f->answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    run_checks(f, 50, 2);
    assert_true(f->results[0]);
    assert_true(f->results[1]);
    assert_string_equal(f->why[0], "status 200");
    snprintf(expect, sizeof(expect),
             "GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
             "User-Agent: osnet-lb\r\n\r\n",
             f->name);
    assert_string_equal(f->request, expect);

    f->nresults = 0;
    f->answer = "HTTP/1.0 301 Moved Permanently\r\nLocation: /\r\n\r\n";
    run_checks(f, 50, 1);
    assert_true(f->results[0]);
}

/* REQ: LB-009 */
static void test_fail_on_other_status(void **state)
{
    struct fixture *f = *state;

    f->answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    run_checks(f, 50, 1);
    assert_false(f->results[0]);
    assert_string_equal(f->why[0], "status 503");

    f->nresults = 0;
    f->answer = "HTTP/1.1 404 Not Found\r\n\r\n";
    run_checks(f, 50, 1);
    assert_false(f->results[0]);
}

static void test_fail_on_garbage_and_early_close(void **state)
{
    struct fixture *f = *state;

    f->answer = "hello there, this is not HTTP\n";
    run_checks(f, 50, 1);
    assert_false(f->results[0]);
    assert_string_equal(f->why[0], "not an HTTP status line");

    f->nresults = 0;
    f->answer = "";
    run_checks(f, 50, 1);
    assert_false(f->results[0]);
    assert_string_equal(f->why[0], "closed before a status line");
}

/* REQ: LB-009 */
static void test_fail_on_refused(void **state)
{
    struct fixture *f = *state;

    /* Nobody listens on the port any more. */
    loop_remove(f->loop, f->lfd);
    close(f->lfd);
    f->lfd = -1;
    run_checks(f, 50, 2);
    assert_false(f->results[0]);
    assert_false(f->results[1]);
    assert_non_null(strstr(f->why[0], "connect: "));
}

/* REQ: LB-009 */
static void test_fail_on_silence(void **state)
{
    struct fixture *f = *state;

    f->answer = NULL; /* accepts, reads, never answers */
    run_checks(f, 50, 2);
    assert_false(f->results[0]);
    assert_string_equal(f->why[0], "timed out");
    assert_false(f->results[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_status),
        cmocka_unit_test_setup_teardown(test_pass_on_2xx_and_3xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_other_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_garbage_and_early_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_silence, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
