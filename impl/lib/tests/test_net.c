/* Unit tests for net: listening, connecting, socket flags, errors. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

static int is_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    assert_true(fl >= 0);
    return (fl & O_NONBLOCK) != 0;
}

static int is_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    assert_true(fl >= 0);
    return (fl & FD_CLOEXEC) != 0;
}

static int sockopt(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
    return v;
}

/* Returns a port nothing listens on: bind one, note it, close it. */
static int free_port(void)
{
    int fd = net_listen("127.0.0.1", 0, 1, 0);
    int port;

    assert_true(fd >= 0);
    port = net_local_port(fd);
    close(fd);
    return port;
}

static void test_listen_blocking(void **state)
{
    int fd = net_listen("127.0.0.1", 0, 16, 0);
    int port;

    (void)state;
    assert_true(fd >= 0);
    assert_false(is_nonblocking(fd));
    assert_true(is_cloexec(fd));
    assert_int_not_equal(sockopt(fd, SOL_SOCKET, SO_REUSEADDR), 0);
    assert_int_not_equal(sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    port = net_local_port(fd);
    assert_true(port > 0 && port <= 65535);
    close(fd);
}

static void test_listen_nonblocking(void **state)
{
    int fd = net_listen("127.0.0.1", 0, 16, NET_NONBLOCK);

    (void)state;
    assert_true(fd >= 0);
    assert_true(is_nonblocking(fd));
    assert_true(is_cloexec(fd));
    /* Nobody connected: a non-blocking accept must not wait. */
    assert_int_equal(accept(fd, NULL, NULL), -1);
    assert_int_equal(errno, EAGAIN);
    close(fd);
}

static void test_local_addr(void **state)
{
    int fd = net_listen("127.0.0.1", 0, 16, 0);
    char want[32], got[NET_ADDR_MAX];

    (void)state;
    assert_true(fd >= 0);
    snprintf(want, sizeof(want), "127.0.0.1:%d", net_local_port(fd));
    assert_int_equal(net_local_addr(fd, got, sizeof(got)), 0);
    assert_string_equal(got, want);
    assert_int_equal(net_local_addr(fd, got, 5), -ENOSPC);
    close(fd);
}

static void test_listen_ipv6(void **state)
{
    int fd = net_listen("::1", 0, 16, 0);
    char want[32], got[NET_ADDR_MAX];

    (void)state;
    if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT)
        skip(); /* no IPv6 loopback in this environment */
    assert_true(fd >= 0);
    snprintf(want, sizeof(want), "[::1]:%d", net_local_port(fd));
    assert_int_equal(net_local_addr(fd, got, sizeof(got)), 0);
    assert_string_equal(got, want);
    close(fd);
}

static void test_connect_blocking_and_echo(void **state)
{
    int lfd = net_listen("127.0.0.1", 0, 16, 0);
    int cfd, afd;
    char buf[8];

    (void)state;
    assert_true(lfd >= 0);
    cfd = net_connect("127.0.0.1", (unsigned)net_local_port(lfd), 0);
    assert_true(cfd >= 0);
    assert_false(is_nonblocking(cfd));
    assert_true(is_cloexec(cfd));
    afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);

    assert_int_equal(sockopt(cfd, IPPROTO_TCP, TCP_NODELAY), 0);
    assert_int_equal(net_set_nodelay(cfd, true), 0);
    assert_int_not_equal(sockopt(cfd, IPPROTO_TCP, TCP_NODELAY), 0);
    assert_int_equal(net_set_nodelay(cfd, false), 0);
    assert_int_equal(sockopt(cfd, IPPROTO_TCP, TCP_NODELAY), 0);

    assert_int_equal(send(cfd, "ping", 4, 0), 4);
    assert_int_equal(recv(afd, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);
    close(afd);
    close(cfd);
    close(lfd);
}

static void test_connect_nonblocking(void **state)
{
    int lfd = net_listen("localhost", 0, 16, 0);
    struct pollfd pfd;
    int cfd;

    (void)state;
    assert_true(lfd >= 0);
    cfd = net_connect("localhost", (unsigned)net_local_port(lfd), NET_NONBLOCK);
    assert_true(cfd >= 0);
    assert_true(is_nonblocking(cfd));
    pfd.fd = cfd;
    pfd.events = POLLOUT;
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_int_equal(net_socket_error(cfd), 0);
    close(cfd);
    close(lfd);
}

static void test_connect_refused(void **state)
{
    int port = free_port();
    struct pollfd pfd;
    int fd;

    (void)state;
    assert_int_equal(net_connect("127.0.0.1", (unsigned)port, 0), -ECONNREFUSED);

    /* Non-blocking: the refusal shows up either at once or as SO_ERROR. */
    fd = net_connect("127.0.0.1", (unsigned)port, NET_NONBLOCK);
    if (fd == -ECONNREFUSED)
        return;
    assert_true(fd >= 0);
    pfd.fd = fd;
    pfd.events = POLLOUT;
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_int_equal(net_socket_error(fd), -ECONNREFUSED);
    close(fd);
}

static void test_bad_host(void **state)
{
    int rc;

    (void)state;
    /* The .invalid domain never resolves (RFC 2606); without a resolver
     * the lookup fails as temporarily unavailable instead. */
    rc = net_listen("no-such-host.invalid", 0, 16, 0);
    assert_true(rc == -EADDRNOTAVAIL || rc == -EAGAIN);
    rc = net_connect("no-such-host.invalid", 80, 0);
    assert_true(rc == -EADDRNOTAVAIL || rc == -EAGAIN);
    /* 192.0.2.1 (TEST-NET-1) resolves but is not a local address. */
    assert_int_equal(net_listen("192.0.2.1", 0, 16, 0), -EADDRNOTAVAIL);
    assert_int_equal(net_listen("127.0.0.1", 65536, 16, 0), -EINVAL);
}

static void test_port_in_use(void **state)
{
    int a = net_listen("127.0.0.1", 0, 16, 0);

    (void)state;
    assert_true(a >= 0);
    /* SO_REUSEADDR allows reuse after TIME_WAIT, not two listeners. */
    assert_int_equal(net_listen("127.0.0.1", (unsigned)net_local_port(a), 16, 0), -EADDRINUSE);
    close(a);
}

static void test_set_nonblock(void **state)
{
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(net_set_nonblock(fds[0], true), 0);
    assert_true(is_nonblocking(fds[0]));
    assert_int_equal(net_set_nonblock(fds[0], false), 0);
    assert_false(is_nonblocking(fds[0]));
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(net_set_nonblock(fds[0], true), -EBADF);
    assert_int_equal(net_local_port(fds[0]), -EBADF);
}

static void test_accept_classify(void **state)
{
    static const int transient[] = {ECONNABORTED, EINTR,        EPROTO,     ENOPROTOOPT,
                                    EHOSTDOWN,    ENONET,       EHOSTUNREACH, EOPNOTSUPP,
                                    ENETUNREACH,  ENETDOWN,     EPERM};
    static const int resources[] = {EMFILE, ENFILE, ENOBUFS, ENOMEM};
    static const int fatal[] = {EBADF, EINVAL, ENOTSOCK, EFAULT};

    (void)state;
    for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
        assert_int_equal(net_accept_classify(transient[i]), NET_ACCEPT_TRANSIENT);
        assert_int_equal(net_accept_classify(-transient[i]), NET_ACCEPT_TRANSIENT);
    }
    for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
        assert_int_equal(net_accept_classify(resources[i]), NET_ACCEPT_RESOURCES);
        assert_int_equal(net_accept_classify(-resources[i]), NET_ACCEPT_RESOURCES);
    }
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        assert_int_equal(net_accept_classify(fatal[i]), NET_ACCEPT_FATAL);
}

/* A datagram sent through a connected socket to a bound one keeps its
 * boundary, and the reply through the bound socket reaches the client. */
static void test_udp_bind_and_connect(void **state)
{
    char buf[16], addr[NET_ADDR_MAX];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    int srv, cli, port;

    (void)state;
    srv = net_udp_bind("127.0.0.1", 0, NET_NONBLOCK);
    assert_true(srv >= 0);
    assert_true(is_nonblocking(srv));
    assert_true(is_cloexec(srv));
    assert_int_equal(sockopt(srv, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    port = net_local_port(srv);
    assert_true(port > 0);

    cli = net_udp_connect("127.0.0.1", (unsigned)port, 0);
    assert_true(cli >= 0);
    assert_false(is_nonblocking(cli));
    assert_int_equal(send(cli, "ab", 2, 0), 2);
    assert_int_equal(send(cli, "cde", 3, 0), 3);

    struct pollfd p = {.fd = srv, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_int_equal(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen), 2);
    assert_int_equal(recv(srv, buf, sizeof(buf), 0), 3);
    assert_int_equal(net_addr_str((struct sockaddr *)&from, addr, sizeof(addr)), 0);
    assert_int_equal(strncmp(addr, "127.0.0.1:", 10), 0);

    assert_int_equal(sendto(srv, "xyz", 3, 0, (struct sockaddr *)&from, fromlen), 3);
    assert_int_equal(recv(cli, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "xyz", 3);
    close(cli);
    close(srv);
}

static void test_udp_errors(void **state)
{
    char small[8];
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(7007),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int a, port;

    (void)state;
    assert_int_equal(net_udp_bind("no-such-host.invalid", 0, 0), -EADDRNOTAVAIL);
    assert_int_equal(net_udp_bind("127.0.0.1", 70000, 0), -EINVAL);
    a = net_udp_bind("127.0.0.1", 0, 0);
    assert_true(a >= 0);
    port = net_local_port(a);
    assert_int_equal(net_udp_bind("127.0.0.1", (unsigned)port, 0), -EADDRINUSE);
    close(a);
    assert_int_equal(net_addr_str((struct sockaddr *)&sin, small, sizeof(small)), -ENOSPC);
    sin.sin_family = AF_UNIX;
    assert_int_equal(net_addr_str((struct sockaddr *)&sin, small, sizeof(small)), -EAFNOSUPPORT);
}

/* net_drain drops what arrives, waits while nothing does, and says
 * "close" once the peer has closed. */
static void test_drain(void **state)
{
    int sv[2];
    char scratch[8];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(net_drain(sv[0], scratch, sizeof(scratch)), 0); /* nothing yet */
    assert_int_equal(write(sv[1], "abc", 3), 3);
    assert_int_equal(net_drain(sv[0], scratch, sizeof(scratch)), 0);
    assert_int_equal(recv(sv[0], scratch, sizeof(scratch), 0), -1); /* dropped */
    close(sv[1]);
    assert_int_equal(net_drain(sv[0], scratch, sizeof(scratch)), -1);
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_blocking),
        cmocka_unit_test(test_listen_nonblocking),
        cmocka_unit_test(test_local_addr),
        cmocka_unit_test(test_listen_ipv6),
        cmocka_unit_test(test_connect_blocking_and_echo),
        cmocka_unit_test(test_connect_nonblocking),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_bad_host),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_set_nonblock),
        cmocka_unit_test(test_accept_classify),
        cmocka_unit_test(test_udp_bind_and_connect),
        cmocka_unit_test(test_udp_errors),
        cmocka_unit_test(test_drain),
    };

    /* A hang (a blocking call that should not block) fails the run. */
    alarm(30);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
