/* pool_bench: the cost of running one empty task, three ways, for
 * bench/pool.py (make bench-pool).
 *
 *     pool_bench pool W N [C]   N tasks through a pool of W workers and a
 *                               queue of C (default 1024), from one submitter
 *     pool_bench thread N       N times pthread_create + pthread_join
 *     pool_bench direct N       N calls through a function pointer
 *
 * Prints one line: "<wall ns per task> <cpu ns per task>", the wall time
 * (CLOCK_MONOTONIC) from the first submit (create, call) to the last task
 * finished (tp_wait returned, the last join), and the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, every thread's) over the same span, each
 * divided by N. Creating and destroying the pool is not in the figure:
 * that is paid once, not per task. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threadpool.h"

/* The task: nothing. Called through a pointer by the pool, the thread start
 * routine and the direct loop alike, so the compiler cannot drop the call. */
static void empty_task(void *arg)
{
    (void)arg;
}

static void *empty_thread(void *arg)
{
    empty_task(arg);
    return NULL;
}

/* The direct loop calls through this: volatile, so that the compiler loads
 * the pointer every time and cannot inline or remove the call. */
static void (*volatile direct_fn)(void *) = empty_task;

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The measured span: start() before the first task, stop() after the last
 * one has finished. */
static uint64_t wall0, cpu0, wall_ns, cpu_ns;

static void start(void)
{
    wall0 = now_ns(CLOCK_MONOTONIC);
    cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static void stop(void)
{
    wall_ns = now_ns(CLOCK_MONOTONIC) - wall0;
    cpu_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
}

static int run_pool(unsigned workers, uint64_t n, size_t capacity)
{
    tp_pool *p;
    int rc = tp_create(&p, workers, capacity);

    if (rc < 0) {
        fprintf(stderr, "pool_bench: tp_create: %s\n", strerror(-rc));
        return -1;
    }
    /* Creating the pool (its W pthread_creates) and destroying it are paid
     * once, not per task: outside the span. */
    start();
    for (uint64_t i = 0; i < n; i++) {
        rc = tp_submit(p, empty_task, NULL);
        if (rc < 0) {
            fprintf(stderr, "pool_bench: tp_submit: %s\n", strerror(-rc));
            tp_destroy(p);
            return -1;
        }
    }
    rc = tp_wait(p);
    stop();
    tp_destroy(p);
    if (rc < 0) {
        fprintf(stderr, "pool_bench: tp_wait: %s\n", strerror(-rc));
        return -1;
    }
    return 0;
}

static int run_thread(uint64_t n)
{
    start();
    for (uint64_t i = 0; i < n; i++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, empty_thread, NULL);

        if (err != 0) {
            fprintf(stderr, "pool_bench: pthread_create: %s\n", strerror(err));
            return -1;
        }
        pthread_join(t, NULL);
    }
    stop();
    return 0;
}

static void run_direct(uint64_t n)
{
    start();
    for (uint64_t i = 0; i < n; i++)
        direct_fn(NULL);
    stop();
}

static int usage(void)
{
    fprintf(stderr, "usage: pool_bench pool W N [C] | thread N | direct N\n");
    return 2;
}

/* A whole positive number from s, or 0 when s is not one. */
static uint64_t count_arg(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return 0;
    return v;
}

int main(int argc, char **argv)
{
    uint64_t n;
    int rc = 0;

    if (argc < 3)
        return usage();
    if (strcmp(argv[1], "pool") == 0 && (argc == 4 || argc == 5)) {
        uint64_t w = count_arg(argv[2]);
        uint64_t c = argc == 5 ? count_arg(argv[4]) : 1024;

        n = count_arg(argv[3]);
        if (w == 0 || w > TP_MAX_WORKERS || n == 0 || c == 0 || c > TP_MAX_CAPACITY)
            return usage();
        rc = run_pool((unsigned)w, n, (size_t)c);
    } else if (strcmp(argv[1], "thread") == 0 && argc == 3) {
        n = count_arg(argv[2]);
        if (n == 0)
            return usage();
        rc = run_thread(n);
    } else if (strcmp(argv[1], "direct") == 0 && argc == 3) {
        n = count_arg(argv[2]);
        if (n == 0)
            return usage();
        run_direct(n);
    } else {
        return usage();
    }
    if (rc < 0)
        return 1;
    printf("%.3f %.3f\n", (double)wall_ns / (double)n, (double)cpu_ns / (double)n);
    return 0;
}
