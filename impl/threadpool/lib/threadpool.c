/* threadpool: a fixed set of worker threads taking tasks from one bounded
 * FIFO queue (the API and its contract: specs/threadpool.h and
 * specs/threadpool.md; how it works: README.md).
 *
 * Everything shared lives in struct tp_pool and is read and written under
 * its one mutex. Threads never poll: whoever cannot go on sleeps on one of
 * three condition variables, each tied to one predicate over that state:
 *
 *   not_empty  a worker waits for  count > 0 || shutting_down
 *   not_full   a submitter waits   count < capacity || shutting_down
 *   idle       tp_wait waits for   unfinished == 0
 *
 * and whoever makes a predicate true signals its variable, holding the
 * mutex. Tasks run with the mutex released. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "threadpool.h"

/* One queued task. */
struct tp_task {
    tp_task_fn fn;
    void *arg;
};

struct tp_pool {
    pthread_mutex_t lock;     /* guards every field below but the threads */
    pthread_cond_t not_empty; /* a task was queued, or shutdown began */
    pthread_cond_t not_full;  /* a slot was freed, or shutdown began */
    pthread_cond_t idle;      /* unfinished dropped to 0 */

    /* The queue: a ring of `capacity` slots. The oldest task is at head,
     * the next free slot at (head + count) % capacity. */
    struct tp_task *ring;
    size_t capacity;
    size_t head;
    size_t count;

    /* Tasks accepted and not yet finished: queued or running. tp_wait
     * waits for this, not for count, because a task taken off the queue
     * still has to run to its end. */
    size_t unfinished;

    bool shutting_down; /* tp_shutdown began: no more submits; workers
                         * leave once the queue is empty */

    /* Written by tp_create and read by tp_shutdown only, with no worker
     * touching them: no lock needed. */
    pthread_t *threads;
    unsigned started; /* threads[0 .. started-1] are running */
    bool joined;      /* shutdown has joined them all */
};

/* The pool whose worker the calling thread is, NULL on other threads: lets
 * tp_submit, tp_wait and tp_shutdown see that a task of this very pool
 * called them and refuse what would make it wait for itself. */
static _Thread_local const tp_pool *tp_self;

/* The body of every worker: take the oldest task, run it unlocked, count it
 * finished, again; leave once shutdown has begun and the queue is empty
 * (with TP_CANCEL, shutdown empties it itself). */
static void *worker_main(void *arg)
{
    tp_pool *p = arg;

    tp_self = p;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct tp_task t;

        /* A while, not an if: a wakeup does not mean the predicate holds
         * (another worker may have taken the task first, and POSIX allows
         * spurious wakeups). */
        while (p->count == 0 && !p->shutting_down)
            pthread_cond_wait(&p->not_empty, &p->lock);
        if (p->count == 0)
            break; /* shutting down, nothing left to run */

        t = p->ring[p->head];
        if (++p->head == p->capacity)
            p->head = 0;
        p->count--;
        /* One slot freed: one waiting submitter can use it. */
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->lock);

        t.fn(t.arg);

        pthread_mutex_lock(&p->lock);
        /* Broadcast: every tp_wait caller waits for the same moment. */
        if (--p->unfinished == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Starts the shutdown: from now on every submit fails, sleeping submitters
 * and idle workers wake up to see it. With cancel, the queued tasks are
 * dropped here, under the lock, so no worker can start one of them after
 * this returns. Returns how many were dropped. Called with the lock held. */
static size_t begin_shutdown(tp_pool *p, bool cancel)
{
    size_t dropped = 0;

    p->shutting_down = true;
    if (cancel) {
        dropped = p->count;
        p->unfinished -= dropped;
        p->count = 0;
        p->head = 0;
        if (p->unfinished == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_cond_broadcast(&p->not_empty);
    pthread_cond_broadcast(&p->not_full);
    return dropped;
}

/* Joins every worker started. Called without the lock: the workers need it
 * to finish. */
static void join_workers(tp_pool *p)
{
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    p->joined = true;
}

/* The mutex and the three condition variables, all or none: returns 0, or
 * -ENOMEM with the ones made before the failed init destroyed again.
 * glibc's inits never fail; POSIX lets them fail for want of resources
 * (ENOMEM, or EAGAIN for a resource other than memory), which tp_create
 * reports as its one out-of-resources code, -ENOMEM, the code
 * threadpool.h lists. */
static int sync_init(tp_pool *p)
{
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        return -ENOMEM;
    if (pthread_cond_init(&p->not_empty, NULL) != 0)
        goto no_not_empty;
    if (pthread_cond_init(&p->not_full, NULL) != 0)
        goto no_not_full;
    if (pthread_cond_init(&p->idle, NULL) != 0)
        goto no_idle;
    return 0;
no_idle:
    pthread_cond_destroy(&p->not_full);
no_not_full:
    pthread_cond_destroy(&p->not_empty);
no_not_empty:
    pthread_mutex_destroy(&p->lock);
    return -ENOMEM;
}

static void sync_destroy(tp_pool *p)
{
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->lock);
}

/* Creates a pool of `workers` threads and a queue of `capacity` tasks. Returns
 * 0 and the pool in *out, or -EINVAL, -ENOMEM or pthread_create's error
 * negated, with everything made so far undone: the workers already started
 * are told to stop (an empty queue and the shutdown flag) and joined. */
int tp_create(tp_pool **out, unsigned workers, size_t capacity)
{
    tp_pool *p;
    bool sync_ready = false;
    int err;

    if (out == NULL || workers < 1 || workers > TP_MAX_WORKERS || capacity < 1 ||
        capacity > TP_MAX_CAPACITY)
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    /* Every slot is allocated now, so that a submit never allocates: at
     * most 16 MiB for the largest capacity. */
    p->ring = calloc(capacity, sizeof(*p->ring));
    p->threads = calloc(workers, sizeof(*p->threads));
    if (p->ring == NULL || p->threads == NULL) {
        err = -ENOMEM;
        goto fail;
    }
    p->capacity = capacity;
    err = sync_init(p);
    if (err < 0)
        goto fail;
    sync_ready = true;
    for (; p->started < workers; p->started++) {
        /* pthread_create returns its error instead of setting errno. */
        err = pthread_create(&p->threads[p->started], NULL, worker_main, p);
        if (err != 0) {
            err = -err;
            goto fail;
        }
    }
    *out = p;
    return 0;
fail:
    if (p->started > 0) {
        pthread_mutex_lock(&p->lock);
        (void)begin_shutdown(p, false); /* the queue is empty: nothing to drop */
        pthread_mutex_unlock(&p->lock);
        join_workers(p);
    }
    if (sync_ready)
        sync_destroy(p);
    free(p->threads);
    free(p->ring);
    free(p);
    return err;
}

/* tp_submit and tp_try_submit: queues fn(arg) at the tail, waiting for a
 * free slot unless `wait` is false (or the caller is one of the pool's own
 * workers, which would be waiting for itself). Returns 0 or a negative
 * errno as the header says. */
static int submit(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    size_t tail;

    if (p == NULL || fn == NULL)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    /* Shutdown is checked on every pass: a submitter asleep here when it
     * begins is woken by its broadcast and must leave with -ESHUTDOWN. */
    while (!p->shutting_down && p->count == p->capacity) {
        if (!wait || tp_self == p) {
            pthread_mutex_unlock(&p->lock);
            return wait ? -EDEADLK : -EAGAIN;
        }
        pthread_cond_wait(&p->not_full, &p->lock);
    }
    if (p->shutting_down) {
        pthread_mutex_unlock(&p->lock);
        return -ESHUTDOWN;
    }
    tail = p->head + p->count;
    if (tail >= p->capacity)
        tail -= p->capacity;
    p->ring[tail] = (struct tp_task){.fn = fn, .arg = arg};
    p->count++;
    p->unfinished++;
    /* One task queued: one sleeping worker can run it. */
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* Queues fn(arg), waiting while the queue is full (see threadpool.h). */
int tp_submit(tp_pool *p, tp_task_fn fn, void *arg)
{
    return submit(p, fn, arg, true);
}

/* Queues fn(arg), or returns -EAGAIN at once when the queue is full. */
int tp_try_submit(tp_pool *p, tp_task_fn fn, void *arg)
{
    return submit(p, fn, arg, false);
}

/* Waits until no task is queued or running. Returns 0, -EINVAL, or
 * -EDEADLK on one of the pool's workers. */
int tp_wait(tp_pool *p)
{
    if (p == NULL)
        return -EINVAL;
    if (tp_self == p)
        return -EDEADLK;
    pthread_mutex_lock(&p->lock);
    while (p->unfinished > 0)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* Stops the pool: refuses submits from now on, runs (TP_DRAIN) or drops
 * (TP_CANCEL, *dropped = how many) the queued tasks, joins every worker.
 * Returns 0, -EINVAL, -ESHUTDOWN (not the first call) or -EDEADLK (called
 * from a task of this pool). */
int tp_shutdown(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
{
    size_t n;

    if (p == NULL || (mode != TP_DRAIN && mode != TP_CANCEL))
        return -EINVAL;
    if (tp_self == p)
        return -EDEADLK;
    pthread_mutex_lock(&p->lock);
    if (p->shutting_down) {
        pthread_mutex_unlock(&p->lock);
        return -ESHUTDOWN;
    }
    n = begin_shutdown(p, mode == TP_CANCEL);
    pthread_mutex_unlock(&p->lock);
    /* Only the first caller gets here, so only one thread ever joins. */
    join_workers(p);
    if (dropped != NULL)
        *dropped = n;
    return 0;
}

/* Shuts the pool down with TP_DRAIN if nobody did, then frees it. */
void tp_destroy(tp_pool *p)
{
    if (p == NULL)
        return;
    /* The caller guarantees no other thread is in the pool, so no lock:
     * either shutdown was never called, or it has returned, having joined
     * every worker. */
    if (!p->joined)
        (void)tp_shutdown(p, TP_DRAIN, NULL);
    sync_destroy(p);
    free(p->threads);
    free(p->ring);
    free(p);
}
