/* Unit tests for the command-line helpers of the engine (fwd.h:
 * fwd_parse_upstreams, fwd_parse_seconds) and the idle pool's list
 * (impl/proxy/lib/upstream.c). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd.h"
#include "upstream.h"

static void test_upstream_list(void **state)
{
    (void)state;
    struct fwd_upstream *u;
    unsigned n;

    assert_int_equal(fwd_parse_upstreams("127.0.0.1:8001,127.0.0.2:8002", &u, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(u[0].name, "127.0.0.1:8001");
    assert_string_equal(u[1].name, "127.0.0.2:8002");
    const struct sockaddr_in *a = (const struct sockaddr_in *)&u[1].addr;
    assert_int_equal(a->sin_family, AF_INET);
    assert_int_equal(ntohs(a->sin_port), 8002);
    assert_int_equal(ntohl(a->sin_addr.s_addr), 0x7f000002);
    assert_int_equal(u[1].addr_len, sizeof(struct sockaddr_in));
    free(u);

    assert_int_equal(fwd_parse_upstreams("[::1]:80", &u, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].addr.ss_family, AF_INET6);
    assert_int_equal(ntohs(((const struct sockaddr_in6 *)&u[0].addr)->sin6_port), 80);
    free(u);

    /* Names resolve, IPv4 first. */
    assert_int_equal(fwd_parse_upstreams("localhost:9", &u, &n), 0);
    assert_int_equal(u[0].addr.ss_family, AF_INET);
    free(u);
}

static void test_upstream_list_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "a",
        "1.2.3.4:",
        ":80",
        "h:0",
        "h:70000",
        "h:8x",
        ",",
        "127.0.0.1:1,",
        ",h:1",
        "127.0.0.1:1,,h:2",
        "[::1]",
        "h:-1",
        "h: 1",
        "[]:80",
        "127.0.0.1:99999999999",
    };
    struct fwd_upstream *u = NULL;
    unsigned n;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = fwd_parse_upstreams(bad[i], &u, &n);
        if (rc != -EINVAL)
            fail_msg("'%s': %d", bad[i], rc);
    }
    assert_int_equal(fwd_parse_upstreams("no-such-host.invalid:80", &u, &n), -EADDRNOTAVAIL);

    /* At most FWD_MAX_UPSTREAMS. */
    char list[FWD_MAX_UPSTREAMS * 16 + 32];
    size_t k = 0;
    for (int i = 0; i <= FWD_MAX_UPSTREAMS; i++)
        k += (size_t)snprintf(list + k, sizeof(list) - k, "%s127.0.0.1:%d", i ? "," : "", 1000 + i);
    assert_int_equal(fwd_parse_upstreams(list, &u, &n), -EINVAL);
    *strrchr(list, ',') = '\0';
    assert_int_equal(fwd_parse_upstreams(list, &u, &n), 0);
    assert_int_equal(n, FWD_MAX_UPSTREAMS);
    free(u);
}

static void test_seconds(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned ms;
    } good[] = {
        {"5", 5000},         {"0.5", 500},     {"60", 60000},    {"0", 0},
        {"0.0001", 1},       {"1.2345", 1235}, {"1.2340", 1234}, {"0.001", 1},
        {"86400", 86400000}, {"2.", 2000},     {".25", 250},
    };
    static const char *const bad[] = {"",   "-1",    "+1", "abc",   "1e3", "0x10", " 1",
                                      "1 ", "86401", ".",  "1.2.3", "inf", "nan",  "1,5"};
    unsigned ms;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(fwd_parse_seconds(good[i].s, &ms), 0);
        if (ms != good[i].ms)
            fail_msg("'%s': %u ms, want %u", good[i].s, ms, good[i].ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (fwd_parse_seconds(bad[i], &ms) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
}

/* The pool: newest out first (the likeliest to be open), oldest at the
 * head (the first to expire), any member removable. */
static void test_pool_order(void **state)
{
    (void)state;
    struct up_pool p = {0};
    struct upconn c[3];

    memset(c, 0, sizeof(c));
    for (int i = 0; i < 3; i++) {
        buf_init(&c[i].in, 10);
        buf_init(&c[i].out, 10);
        pool_push(&p, &c[i], (uint64_t)i);
        assert_int_equal(c[i].state, U_IDLE);
    }
    assert_int_equal(p.n, 3);
    assert_ptr_equal(p.head, &c[0]);
    pool_remove(&p, &c[1]);
    assert_int_equal(p.n, 2);
    assert_ptr_equal(pool_pop(&p), &c[2]);
    assert_ptr_equal(pool_pop(&p), &c[0]);
    assert_null(pool_pop(&p));
    assert_int_equal(p.n, 0);
    assert_null(p.head);
    assert_null(p.tail);
}

/* An idle connection whose server closed it is seen as dead before it is
 * used; one with nothing to read is alive. */
/* REQ: PROXY-026 */
static void test_idle_alive(void **state)
{
    (void)state;
    int sv[2];
    struct upconn c = {0};

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    c.fd = sv[0];
    assert_true(up_idle_alive(&c));
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_false(up_idle_alive(&c)); /* unexpected bytes */
    char b;
    assert_int_equal(read(sv[0], &b, 1), 1);
    assert_true(up_idle_alive(&c));
    close(sv[1]);
    assert_false(up_idle_alive(&c)); /* end of stream */
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upstream_list), cmocka_unit_test(test_upstream_list_errors),
        cmocka_unit_test(test_seconds),       cmocka_unit_test(test_pool_order),
        cmocka_unit_test(test_idle_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
