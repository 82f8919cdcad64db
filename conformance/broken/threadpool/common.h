/* Shared, correct plumbing for the deliberately broken thread pools.
 *
 * This is a whole, correct pool (specs/threadpool.h, specs/threadpool.md)
 * in one header: one mutex, three condition variables (not_empty for the
 * workers, not_full for submitters, idle for tp_wait), a ring of
 * `capacity` tasks, `pending` = tasks queued or running. Included alone
 * (an empty .c file with just the #include) it passes every threadpool
 * check, faults included.
 *
 * Each broken pool replaces one piece and marks its lines BUG, so that it
 * differs from a correct pool in exactly that piece. A piece is replaced
 * by defining its macro to the name of the replacement before the
 * #include, then defining the function after it:
 *
 *     #define TPB_WAIT wait_queue_empty
 *     #include "common.h"
 *     static int wait_queue_empty(tp_pool *p) { ... }
 *
 * The pieces (default in brackets):
 *   TPB_VALID(w, c)             tp_create's range check     [tpb_valid]
 *   TPB_CREATE(out, w, c)       allocate, start workers     [tpb_create]
 *   TPB_WORKER(arg)             a worker thread's body      [tpb_worker]
 *   TPB_SUBMIT(p, fn, arg, wait) both submits              [tpb_submit]
 *   TPB_PUSH(p, fn, arg)        put a task in the queue     [tpb_push]
 *   TPB_POP(p)                  take the next task          [tpb_pop]
 *   TPB_DROP(p)                 empty the queue (cancel)    [tpb_drop]
 *   TPB_WAIT(p)                 tp_wait                     [tpb_wait]
 *   TPB_SHUTDOWN(p, mode, out)  tp_shutdown                 [tpb_shutdown]
 *   TPB_DESTROY(p)              tp_destroy                  [tpb_destroy]
 * The exported tp_* functions check their arguments, then call these.
 */
#ifndef OSNET_BROKEN_TP_COMMON_H
#define OSNET_BROKEN_TP_COMMON_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "threadpool.h"

struct tpb_task {
    tp_task_fn fn;
    void *arg;
};

struct tp_pool {
    pthread_mutex_t mu;       /* guards everything below but threads */
    pthread_cond_t not_empty; /* count > 0 or stopping */
    pthread_cond_t not_full;  /* count < cap or stopping */
    pthread_cond_t idle;      /* pending == 0 */

    struct tpb_task *ring; /* the queue: count tasks from head on */
    size_t cap, head, tail, count;
    size_t pending; /* queued or running */
    void *list;     /* for a pool whose queue is something else */

    bool stopping;  /* shutdown began: no submits, workers leave when empty */
    bool shut_down; /* tp_shutdown returned: the workers are joined */

    pthread_t *threads;
    unsigned nthreads;
};

/* The pool whose task this thread is running (NULL elsewhere). */
static _Thread_local tp_pool *tpb_self;

#define TPB_UNUSED __attribute__((unused))

/* Forward declarations of the replacements a broken pool names. */
#ifdef TPB_VALID
static bool TPB_VALID(unsigned w, size_t c);
#else
#define TPB_VALID tpb_valid
#endif
#ifdef TPB_CREATE
static int TPB_CREATE(tp_pool **out, unsigned w, size_t c);
#else
#define TPB_CREATE tpb_create
#endif
#ifdef TPB_WORKER
static void *TPB_WORKER(void *arg);
#else
#define TPB_WORKER tpb_worker
#endif
#ifdef TPB_SUBMIT
static int TPB_SUBMIT(tp_pool *p, tp_task_fn fn, void *arg, bool wait);
#else
#define TPB_SUBMIT tpb_submit
#endif
#ifdef TPB_PUSH
static int TPB_PUSH(tp_pool *p, tp_task_fn fn, void *arg);
#else
#define TPB_PUSH tpb_push
#endif
#ifdef TPB_POP
static struct tpb_task TPB_POP(tp_pool *p);
#else
#define TPB_POP tpb_pop
#endif
#ifdef TPB_DROP
static size_t TPB_DROP(tp_pool *p);
#else
#define TPB_DROP tpb_drop
#endif
#ifdef TPB_WAIT
static int TPB_WAIT(tp_pool *p);
#else
#define TPB_WAIT tpb_wait
#endif
#ifdef TPB_SHUTDOWN
static int TPB_SHUTDOWN(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped);
#else
#define TPB_SHUTDOWN tpb_shutdown
#endif
#ifdef TPB_DESTROY
static void TPB_DESTROY(tp_pool *p);
#else
#define TPB_DESTROY tpb_destroy
#endif

/* ---- the queue (called with the lock held) ------------------------------ */

/* Appends at tail; 0, or -ENOMEM for a queue that allocates (not this one). */
static TPB_UNUSED int tpb_push(tp_pool *p, tp_task_fn fn, void *arg)
{
    p->ring[p->tail] = (struct tpb_task){fn, arg};
    p->tail = (p->tail + 1) % p->cap;
    p->count++;
    return 0;
}

/* Takes the oldest task (count > 0). */
static TPB_UNUSED struct tpb_task tpb_pop(tp_pool *p)
{
    struct tpb_task t = p->ring[p->head];
    p->head = (p->head + 1) % p->cap;
    p->count--;
    return t;
}

/* Drops every queued task; returns how many. */
static TPB_UNUSED size_t tpb_drop(tp_pool *p)
{
    size_t n = p->count;
    p->count = 0;
    p->head = p->tail;
    return n;
}

/* ---- the pieces --------------------------------------------------------- */

static TPB_UNUSED bool tpb_valid(unsigned w, size_t c)
{
    return w >= 1 && w <= TP_MAX_WORKERS && c >= 1 && c <= TP_MAX_CAPACITY;
}

static TPB_UNUSED void *tpb_worker(void *arg)
{
    tp_pool *p = arg;
    tpb_self = p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (p->count == 0)
            break; /* stopping, and nothing left to run */
        struct tpb_task t = TPB_POP(p);
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        t.fn(t.arg);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Tells the workers to leave once the queue is empty; wakes everyone.
 * Called with the lock held. */
static void tpb_begin_stop(tp_pool *p)
{
    p->stopping = true;
    pthread_cond_broadcast(&p->not_empty);
    pthread_cond_broadcast(&p->not_full);
}

static void tpb_join(tp_pool *p)
{
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
}

static void tpb_free(tp_pool *p)
{
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->ring);
    free(p);
}

/* Allocates the pool (mutex and condition variables with default
 * attributes: they cannot fail on Linux) and starts w workers; on a
 * failure, stops and joins the ones started and frees everything. */
static TPB_UNUSED int tpb_create(tp_pool **out, unsigned w, size_t c)
{
    tp_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->cap = c;
    p->ring = calloc(c, sizeof *p->ring);
    p->threads = calloc(w, sizeof *p->threads);
    int err = -ENOMEM;
    if (!p->ring || !p->threads)
        goto fail;
    for (; p->nthreads < w; p->nthreads++) {
        err = -pthread_create(&p->threads[p->nthreads], NULL, TPB_WORKER, p);
        if (err)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    pthread_mutex_lock(&p->mu);
    tpb_begin_stop(p);
    pthread_mutex_unlock(&p->mu);
    tpb_join(p);
    tpb_free(p);
    return err;
}

static TPB_UNUSED int tpb_submit(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->count == p->cap) {
        if (!wait || tpb_self == p) {
            pthread_mutex_unlock(&p->mu);
            return wait ? -EDEADLK : -EAGAIN;
        }
        pthread_cond_wait(&p->not_full, &p->mu);
    }
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    int err = TPB_PUSH(p, fn, arg);
    if (err == 0) {
        p->pending++;
        pthread_cond_signal(&p->not_empty);
    }
    pthread_mutex_unlock(&p->mu);
    return err;
}

static TPB_UNUSED int tpb_wait(tp_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

static TPB_UNUSED int tpb_shutdown(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
{
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    size_t n = 0;
    if (mode == TP_CANCEL) {
        n = TPB_DROP(p);
        p->pending -= n;
        if (p->pending == 0)
            pthread_cond_broadcast(&p->idle);
    }
    tpb_begin_stop(p);
    pthread_mutex_unlock(&p->mu);
    tpb_join(p); /* only the first caller gets here */
    pthread_mutex_lock(&p->mu);
    p->shut_down = true;
    pthread_mutex_unlock(&p->mu);
    if (dropped)
        *dropped = n;
    return 0;
}

static TPB_UNUSED void tpb_destroy(tp_pool *p)
{
    /* No other thread uses the pool now (the caller's promise). */
    if (!p->shut_down)
        TPB_SHUTDOWN(p, TP_DRAIN, NULL);
    tpb_free(p);
}

/* ---- the API: argument checks, then the pieces -------------------------- */

int tp_create(tp_pool **out, unsigned workers, size_t capacity)
{
    if (!out || !TPB_VALID(workers, capacity))
        return -EINVAL;
    return TPB_CREATE(out, workers, capacity);
}

int tp_submit(tp_pool *p, tp_task_fn fn, void *arg)
{
    if (!p || !fn)
        return -EINVAL;
    return TPB_SUBMIT(p, fn, arg, true);
}

int tp_try_submit(tp_pool *p, tp_task_fn fn, void *arg)
{
    if (!p || !fn)
        return -EINVAL;
    return TPB_SUBMIT(p, fn, arg, false);
}

int tp_wait(tp_pool *p)
{
    if (!p)
        return -EINVAL;
    if (tpb_self == p)
        return -EDEADLK;
    return TPB_WAIT(p);
}

int tp_shutdown(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
{
    if (!p || (mode != TP_DRAIN && mode != TP_CANCEL))
        return -EINVAL;
    if (tpb_self == p)
        return -EDEADLK;
    return TPB_SHUTDOWN(p, mode, dropped);
}

void tp_destroy(tp_pool *p)
{
    if (p)
        TPB_DESTROY(p);
}

#endif
