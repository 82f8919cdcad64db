#ifndef OSNET_TESTS_WAITSTATE_H
#define OSNET_TESTS_WAITSTATE_H

/* For unit tests that interrupt a blocking system call with a signal: the
 * signal must arrive while the call is blocked, or the handler runs before
 * the call starts and the test proves nothing about EINTR. Sleeping "long
 * enough" first is a guess that a loaded machine defeats; the kernel says
 * when a thread is blocked: its state in /proc/self/task/TID/stat turns to
 * S (interruptible sleep), which is where a read() on an empty pipe or a
 * write() into a full one waits.
 *
 * Included by impl/lib/tests and, through -Iimpl/lib, by other components'
 * tests as "tests/waitstate.h". Header-only: static inline functions. */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* How long wait_asleep() waits before giving up: far beyond any scheduling
 * delay, so only a thread that never blocks reaches it. */
#define WAITSTATE_LIMIT_S 30

/* The scheduler state of thread tid of this process ('R', 'S', 'D' ...),
 * or '?' when it cannot be read: the field after the command name in
 * /proc/self/task/TID/stat, found after the last ')' because the name
 * itself may hold one. */
static inline char waitstate_of(pid_t tid)
{
    char path[64], line[512], *p;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    f = fopen(path, "r");
    if (f == NULL)
        return '?';
    p = fgets(line, sizeof(line), f);
    fclose(f);
    if (p == NULL || (p = strrchr(line, ')')) == NULL || p[1] != ' ')
        return '?';
    return p[2];
}

/* Waits until thread tid sleeps in the kernel (state S). The caller
 * arranges that the only place tid can sleep is the call under test.
 * Returns 0, or -ETIMEDOUT after WAITSTATE_LIMIT_S seconds; it is meant
 * to be called from a helper thread, where a cmocka assertion cannot be
 * used, so the caller decides what a timeout does (abort()). */
static inline int wait_asleep(pid_t tid)
{
    struct timespec t0, t;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (waitstate_of(tid) != 'S') {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > WAITSTATE_LIMIT_S) {
            fprintf(stderr, "thread %d never blocked\n", (int)tid);
            return -ETIMEDOUT;
        }
        sched_yield();
    }
    return 0;
}

#endif
