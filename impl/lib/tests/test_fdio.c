/* Unit tests for fdio: a write far larger than a pipe holds goes through
 * whole (short writes looped over), errors come back as negative errnos,
 * and a read interrupted by a signal is retried rather than failed. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"

#define BIG (4u << 20)

struct reader {
    int fd;
    char *data;
    size_t len;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;
    ssize_t n;

    while ((n = fdio_read(r->fd, r->data + r->len, BIG - r->len)) > 0)
        r->len += (size_t)n;
    return NULL;
}

/* 4 MiB into a 64 KiB pipe: the kernel takes it in many pieces. */
static void test_write_all_pipe(void **state)
{
    int p[2];
    char *src = malloc(BIG);
    struct reader r = {0};
    pthread_t t;

    (void)state;
    assert_non_null(src);
    for (size_t i = 0; i < BIG; i++)
        src[i] = (char)(i * 7 + i / 251);
    assert_int_equal(pipe(p), 0);
    r.fd = p[0];
    r.data = malloc(BIG);
    assert_non_null(r.data);
    assert_int_equal(pthread_create(&t, NULL, read_all, &r), 0);
    assert_int_equal(fdio_write_all(p[1], src, BIG), 0);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    assert_int_equal(r.len, BIG);
    assert_memory_equal(r.data, src, BIG);
    free(r.data);
    free(src);
}

static void test_errors(void **state)
{
    int fd = open("/dev/full", O_WRONLY);
    char c = 'x';

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(fdio_write_all(fd, &c, 1), -ENOSPC);
    close(fd);
    assert_int_equal(fdio_write_all(-1, &c, 1), -EBADF);
    assert_int_equal(fdio_read(-1, &c, 1), -EBADF);
    assert_int_equal(fdio_write_all(-1, &c, 0), 0);
}

static void on_signal(int sig)
{
    (void)sig;
}

struct poker {
    pthread_t target;
    int fd;
};

/* Interrupts the reader (blocked on an empty pipe) with a signal whose
 * handler has no SA_RESTART, then writes. */
static void *poke(void *arg)
{
    struct poker *p = arg;
    struct timespec ms50 = {0, 50 * 1000 * 1000};

    nanosleep(&ms50, NULL);
    pthread_kill(p->target, SIGUSR1);
    nanosleep(&ms50, NULL);
    if (write(p->fd, "ok", 2) != 2)
        abort();
    return NULL;
}

static void test_read_retries_eintr(void **state)
{
    struct sigaction sa, old;
    struct poker pk;
    pthread_t t;
    char buf[8];
    int p[2];

    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: read() fails with EINTR */
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(pipe(p), 0);
    pk.target = pthread_self();
    pk.fd = p[1];
    assert_int_equal(pthread_create(&t, NULL, poke, &pk), 0);
    assert_int_equal(fdio_read(p[0], buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "ok", 2);
    pthread_join(t, NULL);
    close(p[1]);
    assert_int_equal(fdio_read(p[0], buf, sizeof(buf)), 0);
    close(p[0]);
    sigaction(SIGUSR1, &old, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_all_pipe),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_read_retries_eintr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
