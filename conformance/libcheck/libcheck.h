/* libcheck: what every cmocka check of a library component (threadpool,
 * mempool, channel, green) needs besides cmocka itself.
 *
 * A check file is compiled together with the implementation under test
 * (tools/osnet check <comp> --impl-src FILE.c) and run one test per
 * process: `./check_x <test name>`. osnet_harness/libcheck.py reads the
 * comments above each test (REQ, DIES, VARIANTS, TIMEOUT) and builds each
 * file once per sanitizer variant: plain, asan (ASan + UBSan +
 * LeakSanitizer) and tsan (ThreadSanitizer).
 */
#ifndef OSNET_LIBCHECK_H
#define OSNET_LIBCHECK_H

#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The directory of the check file being run (the harness defines it), for
 * data files kept next to it (mempool's allocation traces). */
#ifndef LC_SRCDIR
#define LC_SRCDIR "."
#endif

/* n, or n / 20 (at least 1) under ThreadSanitizer, which runs threaded
 * code 10 to 20 times slower: size stress loops with it. */
long lc_scale(long n);

/* ms scaled by OSNET_TIMEOUT_MULTIPLIER: for "still blocked after a while"
 * checks, never for "must be done within". */
long lc_ms(long ms);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t lc_now_ns(void);

/* Sleeps ms milliseconds (not scaled). */
void lc_sleep_ms(long ms);

/* Failure injection into the implementation under test. The link wraps
 * malloc, calloc, realloc, aligned_alloc, posix_memalign, mmap and
 * pthread_create (-Wl,--wrap=...), so calls made by the linked objects go
 * through here, while libc's own and cmocka's do not. */
enum lc_kind {
    LC_MALLOC,         /* malloc calloc realloc aligned_alloc posix_memalign: NULL, ENOMEM */
    LC_MMAP,           /* mmap: MAP_FAILED, ENOMEM */
    LC_PTHREAD_CREATE, /* pthread_create: EAGAIN */
    LC_KINDS
};

/* The n-th next call of that kind (1 = the very next one) fails; the ones
 * after it succeed again. Resets the kind's call count. */
void lc_fail_after(enum lc_kind kind, long n);

/* Every call of that kind fails from now on, until lc_fail_off(). */
void lc_fail_every(enum lc_kind kind);

/* Disarms every kind (call counts are kept). */
void lc_fail_off(void);

/* Calls of that kind since it was last armed (or since the start). */
long lc_calls(enum lc_kind kind);

/* Whether the armed failure of that kind has been delivered. */
int lc_fired(enum lc_kind kind);

/* Number of threads of this process now (/proc/self/task), or -1. */
int lc_threads(void);

/* Waits up to lc_ms(ms) for the number of threads to come down to n;
 * returns the last count seen. Threads a pool joined may take a moment to
 * leave /proc/self/task. */
int lc_threads_settle(int n, long ms);

/* The calling thread's id (gettid), for the thread-state helpers below. */
int lc_tid(void);

/* The scheduler state of thread tid of this process, from
 * /proc/self/task/TID/stat: 'R' running or runnable, 'S' asleep, 'D', ...;
 * 0 if the thread is gone. */
char lc_thread_state(int tid);

/* The thread's voluntary context switches so far: how many times it went
 * to sleep (/proc/self/task/TID/status); -1 if the thread is gone. */
long lc_thread_sleeps(int tid);

/* Waits up to lc_ms(ms) until thread tid is seen asleep; 1 if it was,
 * 0 if not (it is spinning, or it ended). A check that a call "blocks"
 * waits for this first, so that a helper thread that has not yet been
 * scheduled on a busy machine is never taken for a blocked one. */
int lc_thread_asleep(int tid, long ms);

/* For a call made on a helper thread that stores its id in *tid (lc_tid())
 * before the call and sets *done after it: waits up to lc_ms(ms) until the
 * thread is asleep inside the call or the call has returned. On a busy
 * machine a new thread may wait long for its first time slice, and one
 * that has not run yet must not be taken for one that blocks. Returns the
 * thread's id once it is asleep; 0 if the call returned, or if the thread
 * was never seen asleep (it spins). */
int lc_await_asleep(atomic_int *tid, atomic_int *done, long ms);

/* Whether thread tid stays blocked without spinning or polling: sampled
 * every 10 ms for lc_ms(ms), it may be seen runnable at most twice and go
 * back to sleep at most 10 times. A thread waiting on a condition
 * variable is never runnable and sleeps once; a spinning thread is
 * runnable in every sample however little CPU it gets; a loop of short
 * sleeps goes to sleep hundreds of times. On failure, writes what it saw
 * into why (size n) and returns 0. */
int lc_stays_blocked(int tid, long ms, char *why, size_t n);

/* The main of a check file: runs the one test named by argv[1] (exit 0
 * passed, 1 failed, 3 no such test), or with --list prints every name. */
int lc_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n);

#define LIBCHECK_MAIN(...)                                                                         \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const struct CMUnitTest lc_tests_[] = {__VA_ARGS__};                                \
        return lc_main(argc, argv, lc_tests_, sizeof lc_tests_ / sizeof lc_tests_[0]);             \
    }

#endif
