/* Unit tests for acceptor: connections handed over non-blocking and
 * close-on-exec with the peer's address, the cap per wakeup, the backoff
 * after a refused connection and after EMFILE, destroy while paused and
 * closing its own listener, a port already in use; acceptor_adopt() on a
 * caller's socket (served, left open by destroy, unusable sockets refused,
 * a failure that leaves the caller's own watch alone). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "loop.h"
#include "net.h"

#define NCLIENTS (ACCEPTOR_PER_WAKEUP + 6)

struct probe {
    int calls;
    int fds[NCLIENTS];
    struct sockaddr_storage peers[NCLIENTS];
    socklen_t peer_lens[NCLIENTS];
    int refuse_first; /* return -ENOMEM for this many calls */
    int stop_at;      /* stop the loop on this call (0: on every call) */
    uint64_t at_ms[NCLIENTS];
};

struct fixture {
    struct loop *loop;
    struct acceptor *acc;
    int lfd; /* adopt fixture: the test's own listener, else -1 */
    unsigned port;
    struct probe p;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int on_accept(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct probe *p = ctx;

    assert_true(p->calls < NCLIENTS);
    assert_true(peer_len <= sizeof(p->peers[0]));
    p->at_ms[p->calls] = now_ms();
    p->fds[p->calls] = fd;
    memcpy(&p->peers[p->calls], peer, peer_len);
    p->peer_lens[p->calls] = peer_len;
    p->calls++;
    if (p->calls <= p->refuse_first)
        return -ENOMEM;
    return 0;
}

/* Wraps on_accept to stop the loop as the probe asks. */
static struct loop *stop_loop;
static int on_accept_stop(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct probe *p = ctx;
    int rc = on_accept(fd, peer, peer_len, ctx);

    if (p->stop_at == 0 || p->calls == p->stop_at)
        loop_stop(stop_loop);
    return rc;
}

/* Starts the fixture's acceptor on a free port: opened by acceptor_listen(),
 * or (adopt) a listener the test opens itself and hands to
 * acceptor_adopt(). */
static int fixture_start(void **state, bool adopt)
{
    static struct fixture f;
    int port;

    memset(&f, 0, sizeof(f));
    f.lfd = -1;
    assert_int_equal(loop_create(&f.loop), 0);
    if (adopt) {
        f.lfd = net_listen("127.0.0.1", 0, SOMAXCONN, NET_NONBLOCK);
        assert_true(f.lfd >= 0);
        assert_int_equal(acceptor_adopt(f.loop, f.lfd, on_accept_stop, &f.p, &f.acc), 0);
        assert_int_equal(acceptor_fd(f.acc), f.lfd);
    } else {
        assert_int_equal(acceptor_listen(f.loop, "127.0.0.1", 0, on_accept_stop, &f.p, &f.acc), 0);
    }
    port = net_local_port(acceptor_fd(f.acc));
    assert_true(port > 0);
    f.port = (unsigned)port;
    stop_loop = f.loop;
    *state = &f;
    return 0;
}

static int setup(void **state)
{
    return fixture_start(state, false);
}

static int setup_adopt(void **state)
{
    return fixture_start(state, true);
}

/* An adopted listener is the test's to close, after acceptor_destroy(). */
static int teardown(void **state)
{
    struct fixture *f = *state;

    acceptor_destroy(f->acc);
    if (f->lfd >= 0)
        close(f->lfd);
    loop_destroy(f->loop);
    return 0;
}

/* The callback was given c's own address: family, address and port. */
static void assert_peer_is(const struct probe *p, int i, int c)
{
    struct sockaddr_in local;
    socklen_t len = sizeof(local);
    const struct sockaddr_in *peer = (const struct sockaddr_in *)&p->peers[i];

    assert_int_equal(getsockname(c, (struct sockaddr *)&local, &len), 0);
    assert_int_equal(p->peer_lens[i], sizeof(struct sockaddr_in));
    assert_int_equal(peer->sin_family, AF_INET);
    assert_int_equal(peer->sin_port, local.sin_port);
    assert_int_equal(peer->sin_addr.s_addr, local.sin_addr.s_addr);
}

static void probe_close(struct probe *p, int from)
{
    for (int i = from; i < p->calls; i++)
        close(p->fds[i]);
}

static void test_hands_over_nonblocking_cloexec(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    int c = net_connect("127.0.0.1", f->port, 0);

    assert_true(c >= 0);
    p->stop_at = 1;
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, 1);
    assert_true(fcntl(p->fds[0], F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(p->fds[0], F_GETFD) & FD_CLOEXEC);
    assert_peer_is(p, 0, c);
    /* It is the client's connection. */
    assert_int_equal(send(c, "x", 1, 0), 1);
    {
        char b;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        assert_int_equal(recv(p->fds[0], &b, 1, 0), 1);
        assert_int_equal(b, 'x');
    }
    probe_close(p, 0);
    close(c);
}

/* 70 connections wait: one wakeup takes 64, the next one the rest. */
static void test_caps_accepts_per_wakeup(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    int clients[NCLIENTS];

    for (int i = 0; i < NCLIENTS; i++) {
        clients[i] = net_connect("127.0.0.1", f->port, 0);
        assert_true(clients[i] >= 0);
    }
    p->stop_at = 0; /* stop after every call: one loop_run() is one wakeup */
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, ACCEPTOR_PER_WAKEUP);
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, NCLIENTS);
    probe_close(p, 0);
    for (int i = 0; i < NCLIENTS; i++)
        close(clients[i]);
}

/* A connection the callback cannot take is closed by the acceptor, which
 * then stops accepting for the backoff. */
static void test_refused_connection_closed_and_backoff(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    int c1 = net_connect("127.0.0.1", f->port, 0);
    int c2 = net_connect("127.0.0.1", f->port, 0);
    uint64_t waited;
    char b;

    assert_true(c1 >= 0 && c2 >= 0);
    p->refuse_first = 1;
    p->stop_at = 2;
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, 2);
    waited = p->at_ms[1] - p->at_ms[0];
    assert_true(waited >= ACCEPTOR_BACKOFF_MS - 10);
    assert_true(waited < 10 * ACCEPTOR_BACKOFF_MS);
    /* The refused one (the first accepted, c1) was closed: end of input. */
    assert_int_equal(recv(c1, &b, 1, 0), 0);
    probe_close(p, 1);
    close(c1);
    close(c2);
}

static void on_restore_limit(struct loop *loop, void *ctx)
{
    const struct rlimit *rl = ctx;

    (void)loop;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, rl), 0);
}

/* Out of file descriptors: the connection waits in the kernel's queue and
 * is accepted once the backoff is over and descriptors are free again. */
static void test_emfile_pauses_then_accepts(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    struct loop_timer *restore;
    struct rlimit saved, low;
    int c = net_connect("127.0.0.1", f->port, 0);
    int lowest;
    uint64_t start;

    assert_true(c >= 0);
    p->stop_at = 1;
    assert_int_equal(loop_timer_create(f->loop, on_restore_limit, &saved, &restore), 0);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    lowest = dup(0);
    assert_true(lowest >= 0);
    close(lowest);
    low = saved;
    low.rlim_cur = (rlim_t)lowest; /* no new descriptor fits */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(loop_timer_arm(restore, 30), 0);
    start = now_ms();
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, 1);
    assert_true(p->at_ms[0] - start >= ACCEPTOR_BACKOFF_MS - 10);
    probe_close(p, 0);
    loop_timer_destroy(restore);
    close(c);
}

/* Destroying a paused acceptor leaves the listener unwatched and no timer
 * behind: the listener can be watched again. */
static void on_io_nop(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)fd;
    (void)events;
    (void)ctx;
}

static void on_timer_stop(struct loop *loop, void *ctx)
{
    (void)ctx;
    loop_stop(loop);
}

static void test_destroy_while_paused(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    struct loop_timer *later;
    int c1 = net_connect("127.0.0.1", f->port, 0);
    int lfd = acceptor_fd(f->acc);
    char b;

    assert_true(c1 >= 0);
    p->refuse_first = 1;
    p->stop_at = 1;
    assert_int_equal(loop_run(f->loop), 0); /* refused: paused now */
    assert_int_equal(p->calls, 1);
    /* Paused: the listener is not watched. */
    assert_int_equal(loop_add(f->loop, lfd, EPOLLIN, on_io_nop, NULL), 0);
    assert_int_equal(loop_remove(f->loop, lfd), 0);
    acceptor_destroy(f->acc);
    f->acc = NULL;
    /* The listener is closed: the connection waiting in its queue is reset
     * or ends, and the backoff timer that would have fired by now is gone
     * (it would fire into the freed acceptor). */
    assert_true(recv(c1, &b, 1, 0) <= 0);
    assert_int_equal(loop_timer_create(f->loop, on_timer_stop, NULL, &later), 0);
    assert_int_equal(loop_timer_arm(later, 2 * ACCEPTOR_BACKOFF_MS), 0);
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, 1);
    loop_timer_destroy(later);
    close(c1);
}

/* The listener acceptor_listen() opened is the acceptor's: destroy closes
 * it, and the port refuses connections. */
static void test_destroy_closes_its_own_listener(void **state)
{
    struct fixture *f = *state;

    acceptor_destroy(f->acc);
    f->acc = NULL;
    assert_int_equal(net_connect("127.0.0.1", f->port, 0), -ECONNREFUSED);
}

static void test_port_in_use(void **state)
{
    struct fixture *f = *state;
    struct acceptor *again = NULL;

    assert_int_equal(acceptor_listen(f->loop, "127.0.0.1", f->port, on_accept_stop, &f->p, &again),
                     -EADDRINUSE);
    assert_null(again);
}

/* An adopted listener is served like one acceptor_listen() opened, and
 * acceptor_destroy() leaves it open, listening and unwatched: it is the
 * caller's. */
static void test_adopt_serves_and_leaves_fd_open(void **state)
{
    struct fixture *f = *state;
    struct probe *p = &f->p;
    int c1 = net_connect("127.0.0.1", f->port, 0);
    int c2, fd2;

    assert_true(c1 >= 0);
    p->stop_at = 1;
    assert_int_equal(loop_run(f->loop), 0);
    assert_int_equal(p->calls, 1);
    assert_peer_is(p, 0, c1);
    acceptor_destroy(f->acc);
    f->acc = NULL;
    c2 = net_connect("127.0.0.1", f->port, 0); /* returns once established */
    assert_true(c2 >= 0);
    fd2 = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(fd2 >= 0);
    assert_int_equal(loop_add(f->loop, f->lfd, EPOLLIN, on_io_nop, NULL), 0);
    assert_int_equal(loop_remove(f->loop, f->lfd), 0);
    probe_close(p, 0);
    close(fd2);
    close(c1);
    close(c2);
}

/* A blocking listener, a socket that is not listening and a bad descriptor
 * are refused; the caller's socket is left open and unwatched. */
static void test_adopt_rejects_unusable_sockets(void **state)
{
    struct loop *loop;
    struct probe p = {0};
    struct acceptor *a = NULL;
    int blocking, idle;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    blocking = net_listen("127.0.0.1", 0, SOMAXCONN, 0);
    assert_true(blocking >= 0);
    assert_int_equal(acceptor_adopt(loop, blocking, on_accept, &p, &a), -EINVAL);
    assert_null(a);
    assert_int_equal(loop_add(loop, blocking, EPOLLIN, on_io_nop, NULL), 0);
    assert_int_equal(loop_remove(loop, blocking), 0);
    idle = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(idle >= 0);
    assert_int_equal(acceptor_adopt(loop, idle, on_accept, &p, &a), -EINVAL);
    assert_null(a);
    assert_int_equal(acceptor_adopt(loop, -1, on_accept, &p, &a), -EBADF);
    assert_null(a);
    close(blocking);
    close(idle);
    loop_destroy(loop);
}

static void on_io_stop(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)fd;
    (void)events;
    (*(int *)ctx)++;
    loop_stop(loop);
}

/* Adopting a socket the loop already watches fails with -EEXIST, and the
 * failure does not take away the watch that was there. */
static void test_adopt_failure_keeps_other_watch(void **state)
{
    struct loop *loop;
    struct probe p = {0};
    struct acceptor *a = NULL;
    struct loop_timer *guard;
    int lfd, c, woken = 0;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    /* Without the old watch nothing would ever stop the loop. */
    assert_int_equal(loop_timer_create(loop, on_timer_stop, NULL, &guard), 0);
    assert_int_equal(loop_timer_arm(guard, 5000), 0);
    lfd = net_listen("127.0.0.1", 0, SOMAXCONN, NET_NONBLOCK);
    assert_true(lfd >= 0);
    assert_int_equal(loop_add(loop, lfd, EPOLLIN, on_io_stop, &woken), 0);
    assert_int_equal(acceptor_adopt(loop, lfd, on_accept, &p, &a), -EEXIST);
    assert_null(a);
    c = net_connect("127.0.0.1", (unsigned)net_local_port(lfd), 0);
    assert_true(c >= 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(woken, 1);
    assert_int_equal(p.calls, 0);
    assert_int_equal(loop_remove(loop, lfd), 0);
    loop_timer_destroy(guard);
    close(c);
    close(lfd);
    loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hands_over_nonblocking_cloexec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_accepts_per_wakeup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_connection_closed_and_backoff, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_emfile_pauses_then_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_while_paused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_closes_its_own_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopt_serves_and_leaves_fd_open, setup_adopt,
                                        teardown),
        cmocka_unit_test(test_adopt_rejects_unusable_sockets),
        cmocka_unit_test(test_adopt_failure_keeps_other_watch),
    };

    alarm(30);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
