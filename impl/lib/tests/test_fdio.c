/* Unit tests for fdio: a write far larger than a pipe holds goes through
 * whole (short writes looped over), errors come back as negative errnos,
 * and a read interrupted by a signal is retried rather than failed (the
 * signal sent only once the reader is blocked: waitstate.h). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "waitstate.h"

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

/* Runs fdio_say with stderr turned into a pipe; returns what it wrote. */
static size_t said(char *out, size_t cap, const char *msg)
{
    int p[2], saved = dup(2);
    ssize_t n;

    assert_true(saved >= 0);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[1], 2), 2);
    errno = EBADF;
    fdio_say("%s", msg);
    assert_int_equal(errno, EBADF); /* kept */
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    close(p[1]);
    n = read(p[0], out, cap);
    close(p[0]);
    assert_true(n > 0);
    return (size_t)n;
}

/* One line "PROG: message\n"; a message too long for a line is cut, and
 * the line still ends with its newline. */
static void test_say(void **state)
{
    char out[FDIO_SAY_MAX * 2], want[128], *big = malloc(FDIO_SAY_MAX * 2);
    size_t n;

    (void)state;
    assert_non_null(big);
    n = said(out, sizeof(out), "f.txt: No such file or directory");
    snprintf(want, sizeof(want), "%s: f.txt: No such file or directory\n",
             program_invocation_short_name);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);

    memset(big, 'x', FDIO_SAY_MAX * 2 - 1);
    big[FDIO_SAY_MAX * 2 - 1] = '\0';
    n = said(out, sizeof(out), big);
    assert_int_equal(n, FDIO_SAY_MAX - 1);
    assert_int_equal(out[n - 1], '\n');
    assert_int_equal(out[n - 2], 'x');
    free(big);
}

/* A usage error: the message line, then the usage line, both on stderr,
 * nothing on stdout, and 2 for main to return. */
static void test_usage_error(void **state)
{
    char err[512], out[16], want[512];
    int pe[2], po[2], saved_err = dup(2), saved_out = dup(1), rc;
    ssize_t n;

    (void)state;
    assert_true(saved_err >= 0 && saved_out >= 0);
    assert_int_equal(pipe(pe), 0);
    assert_int_equal(pipe(po), 0);
    fflush(stdout);
    assert_int_equal(dup2(pe[1], 2), 2);
    assert_int_equal(dup2(po[1], 1), 1);
    rc = fdio_usage_error("-j K N", "-j: expected a number, got '%s'", "x");
    fflush(stdout);
    assert_int_equal(dup2(saved_err, 2), 2);
    assert_int_equal(dup2(saved_out, 1), 1);
    close(saved_err);
    close(saved_out);
    close(pe[1]);
    close(po[1]);
    assert_int_equal(rc, 2);
    n = read(pe[0], err, sizeof(err));
    snprintf(want, sizeof(want), "%s: -j: expected a number, got 'x'\nusage: %s -j K N\n",
             program_invocation_short_name, program_invocation_short_name);
    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(err, want, strlen(want));
    assert_int_equal(read(po[0], out, sizeof(out)), 0); /* nothing on stdout */
    close(pe[0]);
    close(po[0]);
}

static atomic_int signals_seen;

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_seen, 1);
}

struct poker {
    pid_t victim; /* the reader's thread id, for /proc */
    pthread_t victim_thread;
    int fd;
};

/* Interrupts the reader once it is blocked on the empty pipe (its state is
 * S: see waitstate.h), with a signal whose handler has no SA_RESTART, so
 * that its read() fails with EINTR. Then waits until the handler has run
 * and the reader is blocked again (fdio_read must have retried), and only
 * then writes what it waits for. */
static void *poke(void *arg)
{
    struct poker *p = arg;

    if (wait_asleep(p->victim) < 0)
        abort();
    pthread_kill(p->victim_thread, SIGUSR1);
    while (atomic_load(&signals_seen) < 1)
        sched_yield();
    if (wait_asleep(p->victim) < 0)
        abort();
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
    atomic_store(&signals_seen, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: read() fails with EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(pipe(p), 0);
    pk.victim = gettid();
    pk.victim_thread = pthread_self();
    pk.fd = p[1];
    assert_int_equal(pthread_create(&t, NULL, poke, &pk), 0);
    assert_int_equal(fdio_read(p[0], buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "ok", 2);
    pthread_join(t, NULL);
    /* The signal landed, while read() was blocked: the retry was tested. */
    assert_int_equal(atomic_load(&signals_seen), 1);
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
        cmocka_unit_test(test_say),
        cmocka_unit_test(test_usage_error),
        cmocka_unit_test(test_read_retries_eintr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
