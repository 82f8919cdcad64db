/* Unit tests for sig: the stop signalfd, sigwait, SIGPIPE. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "loop.h"
#include "sig.h"

static void test_stopfd_reads_signals(void **state)
{
    int fd = sig_open_stopfd();

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(sig_read_stopfd(fd), 0);
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(sig_read_stopfd(fd), SIGTERM);
    assert_int_equal(sig_read_stopfd(fd), 0);
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(sig_read_stopfd(fd), SIGINT);
    assert_int_equal(sig_read_stopfd(fd), 0);
    close(fd);
}

/* A shell starts background jobs with SIGINT ignored; whether an ignored
 * signal stays pending is unspecified, so the stopfd restores the default. */
static void test_stopfd_undoes_ignore(void **state)
{
    struct sigaction sa;
    int fd;

    (void)state;
    assert_true(signal(SIGINT, SIG_IGN) != SIG_ERR);
    assert_true(signal(SIGTERM, SIG_IGN) != SIG_ERR);
    fd = sig_open_stopfd();
    assert_true(fd >= 0);
    assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
    assert_ptr_equal(sa.sa_handler, SIG_DFL);
    assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
    assert_ptr_equal(sa.sa_handler, SIG_DFL);
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(sig_read_stopfd(fd), SIGINT);
    close(fd);
}

static void test_block_and_wait(void **state)
{
    sigset_t mask;

    (void)state;
    assert_int_equal(sig_block_stop(), 0);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
    assert_true(sigismember(&mask, SIGTERM));
    assert_true(sigismember(&mask, SIGINT));
    /* Blocked, so raise() leaves it pending and the process lives on. */
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(sig_wait_stop(), SIGTERM);
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(sig_wait_stop(), SIGINT);
}

static void test_ignore_pipe(void **state)
{
    struct sigaction sa;
    int fds[2];

    (void)state;
    assert_int_equal(sig_ignore_pipe(), 0);
    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_ptr_equal(sa.sa_handler, SIG_IGN);
    /* Writing to a pipe nobody reads fails instead of killing us. */
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    assert_int_equal(write(fds[1], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(fds[1]);
}

/* The stop watch ends loop_run() on SIGTERM and on SIGINT, and only then. */
static void on_timer_count(struct loop *loop, void *ctx)
{
    int *fired = ctx;

    (void)loop;
    (*fired)++;
    assert_int_equal(raise(*fired == 1 ? SIGTERM : SIGINT), 0);
}

static void test_watch_stop_stops_loop(void **state)
{
    struct loop *loop;
    struct loop_timer *t;
    int fired = 0;
    int fd;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(sig_watch_stop(loop, &fd), 0);
    assert_true(fd >= 0);
    assert_int_equal(loop_timer_create(loop, on_timer_count, &fired, &t), 0);
    assert_int_equal(loop_timer_arm(t, 10), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(fired, 1);
    assert_int_equal(loop_timer_arm(t, 10), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(fired, 2);
    assert_int_equal(sig_read_stopfd(fd), 0); /* each signal taken */
    /* The caller owns the descriptor; the loop watches it. */
    assert_int_equal(loop_remove(loop, fd), 0);
    loop_timer_destroy(t);
    loop_destroy(loop);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stopfd_reads_signals),
        cmocka_unit_test(test_stopfd_undoes_ignore),
        cmocka_unit_test(test_block_and_wait),
        cmocka_unit_test(test_ignore_pipe),
        cmocka_unit_test(test_watch_stop_stops_loop),
    };

    alarm(30);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
