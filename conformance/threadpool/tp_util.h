/* What the threadpool checks share (specs/threadpool.md): a gate that
 * keeps workers busy for as long as a check needs, a helper thread that
 * makes one pool call which may block (so the check can see whether it
 * has returned yet), deadlines, and the thread ids of the process.
 *
 * Everything a task or a helper thread touches lives in static storage,
 * not on a check's stack: when a check fails, cmocka leaves the function
 * while the pool's workers may still be running tasks that use it. The
 * checks keep their pools in static variables too: a pool a failed check
 * could not destroy is then still reachable at exit, and LeakSanitizer
 * does not report it, which would hide the check's own message.
 */
#ifndef OSNET_TP_UTIL_H
#define OSNET_TP_UTIL_H

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "libcheck.h"
#include "threadpool.h"

/* Generous deadline for "this must happen" waits, in ms (scaled by
 * lc_ms): long enough for a loaded machine and sanitizers, short enough
 * that a hang is reported as what it is rather than as a timeout. */
#define TPC_DEADLINE_MS 15000

/* Polls *v until it is at least want or lc_ms(ms) passed; true if reached. */
static inline bool tpc_until(atomic_long *v, long want, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    while (atomic_load(v) < want) {
        if (lc_now_ns() > end)
            return false;
        lc_sleep_ms(1);
    }
    return true;
}

/* ---- the gate ----------------------------------------------------------
 * gate_task blocks the worker that runs it until the check opens the
 * gate, so the check knows every worker is busy. It sleeps on a condition
 * variable: it uses no CPU (TP-017's check relies on that). */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long arrived; /* gate tasks that started */
    long left;    /* gate tasks that finished */
    bool open;
};

static struct gate the_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false};

/* Closes the gate again, empty (no gate task may be inside). */
static inline void gate_reset(void)
{
    pthread_mutex_lock(&the_gate.mu);
    the_gate.arrived = the_gate.left = 0;
    the_gate.open = false;
    pthread_mutex_unlock(&the_gate.mu);
}

static inline void gate_task(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&the_gate.mu);
    the_gate.arrived++;
    pthread_cond_broadcast(&the_gate.cv);
    while (!the_gate.open)
        pthread_cond_wait(&the_gate.cv, &the_gate.mu);
    the_gate.left++;
    pthread_cond_broadcast(&the_gate.cv);
    pthread_mutex_unlock(&the_gate.mu);
}

/* Waits until n gate tasks are inside the gate (or, with done, have left
 * it), up to lc_ms(ms); returns how many were seen. */
static inline long gate_await(long n, bool done, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long add = lc_ms(ms);
    until.tv_sec += add / 1000;
    until.tv_nsec += (add % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&the_gate.mu);
    long *count = done ? &the_gate.left : &the_gate.arrived;
    while (*count < n && pthread_cond_timedwait(&the_gate.cv, &the_gate.mu, &until) == 0)
        ;
    long seen = *count;
    pthread_mutex_unlock(&the_gate.mu);
    return seen;
}

static inline void gate_open(void)
{
    pthread_mutex_lock(&the_gate.mu);
    the_gate.open = true;
    pthread_cond_broadcast(&the_gate.cv);
    pthread_mutex_unlock(&the_gate.mu);
}

/* Submits n gate tasks and waits until all n are running: the pool's n
 * workers are then busy. Fails the check if they do not all start. */
static inline void gate_fill_workers(tp_pool *p, long n)
{
    for (long i = 0; i < n; i++)
        assert_int_equal(tp_submit(p, gate_task, NULL), 0);
    long seen = gate_await(n, false, TPC_DEADLINE_MS);
    if (seen != n)
        fail_msg("%ld tasks submitted to a pool of %ld workers, only %ld of them running "
                 "after %ld ms: the workers do not run tasks at the same time (TP-003)",
                 n, n, seen, lc_ms(TPC_DEADLINE_MS));
}

/* ---- counting tasks ------------------------------------------------------ */

static atomic_long tpc_count;

static inline void count_task(void *arg)
{
    (void)arg;
    atomic_fetch_add(&tpc_count, 1);
}

/* A task that must never run (refused or dropped): counts into its own. */
static atomic_long tpc_marker_runs;

static inline void marker_task(void *arg)
{
    (void)arg;
    atomic_fetch_add(&tpc_marker_runs, 1);
}

/* ---- one pool call on a helper thread ------------------------------------ */

enum bg_op { BG_SUBMIT, BG_TRY_SUBMIT, BG_WAIT, BG_SHUTDOWN, BG_DESTROY };

struct bg {
    pthread_t th;
    enum bg_op op;
    tp_pool *p;
    tp_task_fn fn;
    enum tp_shutdown_mode mode;
    size_t dropped;
    int ret;
    atomic_int tid; /* the helper thread's id, once it runs */
    atomic_int done;
};

static inline void *bg_main(void *arg)
{
    struct bg *b = arg;
    /* Recorded before the call, so that once the check sees this thread
     * asleep, it is asleep inside the call (or done with it). */
    atomic_store(&b->tid, lc_tid());
    switch (b->op) {
    case BG_SUBMIT:
        b->ret = tp_submit(b->p, b->fn, NULL);
        break;
    case BG_TRY_SUBMIT:
        b->ret = tp_try_submit(b->p, b->fn, NULL);
        break;
    case BG_WAIT:
        b->ret = tp_wait(b->p);
        break;
    case BG_SHUTDOWN:
        b->ret = tp_shutdown(b->p, b->mode, &b->dropped);
        break;
    case BG_DESTROY:
        tp_destroy(b->p);
        b->ret = 0;
        break;
    }
    atomic_store(&b->done, 1);
    return NULL;
}

/* Starts the call op(p, ...) on a new thread. b must be static. */
static inline void bg_start(struct bg *b, enum bg_op op, tp_pool *p)
{
    b->op = op;
    b->p = p;
    if (!b->fn)
        b->fn = marker_task;
    b->dropped = 777;
    b->ret = 12345;
    atomic_store(&b->tid, 0);
    atomic_store(&b->done, 0);
    assert_int_equal(pthread_create(&b->th, NULL, bg_main, b), 0);
}

static inline bool bg_done(struct bg *b)
{
    return atomic_load(&b->done) != 0;
}

/* Waits until the helper thread is asleep inside the call, or the call
 * has returned (lc_await_asleep, up to lc_ms(5000)). Returns the thread's
 * id once it is asleep; 0 if the call returned, or if the thread was never
 * seen asleep (it spins). */
static inline int bg_settle(struct bg *b)
{
    return lc_await_asleep(&b->tid, &b->done, 5000);
}

/* Whether the call blocks: once the helper is asleep in it, it has still
 * not returned lc_ms(ms) later. */
static inline bool bg_blocks(struct bg *b, long ms)
{
    bg_settle(b);
    lc_sleep_ms(lc_ms(ms));
    return !bg_done(b);
}

/* Waits up to lc_ms(ms) for the call to return; then joins the thread and
 * returns true, or returns false (the thread is left blocked). */
static inline bool bg_finish(struct bg *b, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    while (!bg_done(b)) {
        if (lc_now_ns() > end)
            return false;
        lc_sleep_ms(1);
    }
    pthread_join(b->th, NULL);
    return true;
}

/* ---- threads -------------------------------------------------------------- */

static inline void *tpc_nothing(void *arg)
{
    return arg;
}

/* The number of threads of the process, to compare with later. A thread
 * is created and joined first: ThreadSanitizer starts a background
 * thread of its own when the first one is created, which must not be
 * counted as the pool's. */
static inline int tpc_base_threads(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, tpc_nothing, NULL) == 0)
        pthread_join(t, NULL);
    return lc_threads();
}

/* The thread ids now in /proc/self/task, into ids (up to max); the count. */
static inline int tpc_tids(pid_t *ids, int max)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && n < max)
            ids[n++] = (pid_t)atoi(e->d_name);
    closedir(d);
    return n;
}

static inline bool tpc_has(const pid_t *ids, int n, pid_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* tp_create(p, w, c), which must succeed, and the ids of the threads it
 * started (those in /proc/self/task after it and not before) into ids,
 * up to max; returns how many. */
static inline int tpc_create_seen(tp_pool **p, unsigned w, size_t c, pid_t *ids, int max)
{
    static pid_t before[4096], after[4096];
    tpc_base_threads();
    int nb = tpc_tids(before, 4096);
    assert_int_equal(tp_create(p, w, c), 0);
    int na = tpc_tids(after, 4096), n = 0;
    for (int i = 0; i < na; i++)
        if (!tpc_has(before, nb, after[i]) && n < max)
            ids[n++] = after[i];
    return n;
}

#endif
