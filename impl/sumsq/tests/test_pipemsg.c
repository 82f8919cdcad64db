/* Unit tests for pipemsg, the reading of a worker's partial sum: a message
 * that arrives in pieces, end of file before and after it, bytes beyond
 * it, a read interrupted by a signal; and for the sending side, which is
 * impl/lib's fdio_write_all, a write cut short by a signal and a write
 * interrupted before it moved a byte. The signals are made to hit for
 * certain: a second thread waits until the first is asleep in the system
 * call (its state in /proc turns to S) and only then sends one. */

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
#include <time.h>
#include <unistd.h>

#include "fdio.h" /* impl/lib: fdio_write_all, which the workers use */
#include "pipemsg.h"
#include "tests/waitstate.h" /* impl/lib/tests: wait_asleep */

static atomic_int signals_seen;

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_seen, 1);
}

/* SIGUSR1 handled without SA_RESTART, so a blocked read or write returns
 * EINTR (or the bytes it moved) instead of being restarted by the kernel. */
static int setup_signal(void **state)
{
    struct sigaction sa;

    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    atomic_store(&signals_seen, 0);
    return sigaction(SIGUSR1, &sa, NULL);
}

static int restore_signal(void **state)
{
    (void)state;
    signal(SIGUSR1, SIG_DFL);
    return 0;
}

static void wait_signals(int n)
{
    while (atomic_load(&signals_seen) < n)
        sched_yield();
}

static void test_read_in_pieces(void **state)
{
    unsigned char msg[16], want[16];
    size_t got = 0;
    int p[2];

    (void)state;
    for (int i = 0; i < 16; i++)
        want[i] = (unsigned char)(0xf0 + i);
    assert_int_equal(pipe(p), 0);
    /* One byte at a time: every call takes what there is and keeps it. */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(write(p[1], &want[i], 1), 1);
        assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 1);
        assert_int_equal(got, i + 1);
    }
    assert_memory_equal(msg, want, sizeof(want));
    close(p[1]);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 0);
    assert_int_equal(got, 16);
    close(p[0]);
}

/* End of file with nothing, or part of the message: 0, and got says how
 * much came. */
static void test_read_eof_early(void **state)
{
    unsigned char msg[16];
    size_t got = 0;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    close(p[1]);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 0);
    assert_int_equal(got, 0);
    close(p[0]);

    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "12345", 5), 5);
    close(p[1]);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 1);
    assert_int_equal(got, 5);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 0);
    assert_int_equal(got, 5);
    close(p[0]);
}

/* A sender that goes on past the message is caught. */
static void test_read_too_much(void **state)
{
    unsigned char msg[16];
    size_t got = 0;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "0123456789abcdefX", 17), 17);
    close(p[1]);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 1);
    assert_int_equal(got, 16); /* never more than asked for */
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), -EMSGSIZE);
    assert_int_equal(got, 16);
    assert_memory_equal(msg, "0123456789abcdef", 16);
    close(p[0]);
}

static void test_errors(void **state)
{
    unsigned char msg[16];
    size_t got = 0;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    close(p[1]);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), -EBADF);
    assert_int_equal(got, 0);
    assert_int_equal(fdio_write_all(p[1], "x", 1), -EBADF);

    /* No reader: EPIPE (once SIGPIPE, which would kill us, is ignored). */
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(fdio_write_all(p[1], "x", 1), -EPIPE);
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
}

struct peer {
    pid_t victim; /* the thread blocked in the call under test */
    pthread_t victim_thread;
    int fd;
    size_t len; /* bytes to write, or room to read into */
    unsigned char *data;
    size_t got; /* bytes read until end of file */
};

/* Interrupts the victim's blocked read once, waits until it is blocked again
 * (it must have retried), then writes the message it waits for. */
static void *interrupt_then_write(void *arg)
{
    struct peer *p = arg;

    if (wait_asleep(p->victim) < 0)
        abort();
    pthread_kill(p->victim_thread, SIGUSR1);
    wait_signals(1);
    if (wait_asleep(p->victim) < 0)
        abort();
    if (write(p->fd, p->data, p->len) != (ssize_t)p->len)
        abort();
    return NULL;
}

static void test_read_eintr(void **state)
{
    unsigned char msg[16];
    struct peer peer = {.victim = gettid(),
                        .victim_thread = pthread_self(),
                        .data = (unsigned char *)"0123456789abcdef",
                        .len = 16};
    pthread_t t;
    size_t got = 0;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    peer.fd = p[1];
    assert_int_equal(pthread_create(&t, NULL, interrupt_then_write, &peer), 0);
    assert_int_equal(pipemsg_read(p[0], msg, sizeof(msg), &got), 1);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&signals_seen), 1);
    assert_int_equal(got, 16);
    assert_memory_equal(msg, "0123456789abcdef", 16);
    close(p[0]);
    close(p[1]);
}

/* Interrupts the victim's blocked write once, then reads everything until
 * end of file. */
static void *interrupt_then_read(void *arg)
{
    struct peer *p = arg;

    if (wait_asleep(p->victim) < 0)
        abort();
    pthread_kill(p->victim_thread, SIGUSR1);
    wait_signals(1);
    while (p->got < p->len) {
        ssize_t n = read(p->fd, p->data + p->got, p->len - p->got);

        if (n <= 0)
            break;
        p->got += (size_t)n;
    }
    return NULL;
}

/* A write that fills the pipe and blocks, interrupted: write() returns the
 * bytes it had moved (a short write), and the rest must follow. */
static void test_write_short(void **state)
{
    const size_t len = 1024 * 1024; /* far more than a pipe holds (64 KiB) */
    unsigned char *out = malloc(len), *in = calloc(1, len);
    struct peer peer = {.victim = gettid(), .victim_thread = pthread_self(), .len = len};
    pthread_t t;
    int p[2];

    (void)state;
    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(i * 7 + i / 251);
    assert_int_equal(pipe(p), 0);
    peer.fd = p[0];
    peer.data = in;
    assert_int_equal(pthread_create(&t, NULL, interrupt_then_read, &peer), 0);
    assert_int_equal(fdio_write_all(p[1], out, len), 0);
    close(p[1]);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&signals_seen), 1);
    assert_int_equal(peer.got, len);
    assert_memory_equal(in, out, len);
    close(p[0]);
    free(out);
    free(in);
}

/* A write into a pipe that is already full blocks before moving a byte:
 * interrupted, it fails with EINTR, and must be tried again. */
static void test_write_eintr(void **state)
{
    unsigned char *in = malloc(1024 * 1024), junk[4096];
    struct peer peer = {.victim = gettid(), .victim_thread = pthread_self(), .len = 1024 * 1024};
    size_t filled = 0;
    pthread_t t;
    ssize_t n;
    int p[2];

    (void)state;
    assert_non_null(in);
    memset(junk, 'j', sizeof(junk));
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    while ((n = write(p[1], junk, sizeof(junk))) > 0)
        filled += (size_t)n;
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(fcntl(p[1], F_SETFL, 0), 0); /* blocking again */
    assert_int_equal(fcntl(p[0], F_SETFL, 0), 0);
    peer.fd = p[0];
    peer.data = in;
    assert_int_equal(pthread_create(&t, NULL, interrupt_then_read, &peer), 0);
    assert_int_equal(fdio_write_all(p[1], "0123456789abcdef", 16), 0);
    close(p[1]);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&signals_seen), 1);
    assert_int_equal(peer.got, filled + 16);
    assert_memory_equal(in + filled, "0123456789abcdef", 16);
    close(p[0]);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_in_pieces),
        cmocka_unit_test(test_read_eof_early),
        cmocka_unit_test(test_read_too_much),
        cmocka_unit_test(test_errors),
        cmocka_unit_test_setup_teardown(test_read_eintr, setup_signal, restore_signal),
        cmocka_unit_test_setup_teardown(test_write_short, setup_signal, restore_signal),
        cmocka_unit_test_setup_teardown(test_write_eintr, setup_signal, restore_signal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
