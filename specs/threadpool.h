/* threadpool.h - a fixed-size thread pool with a bounded queue.
 *
 * This header is part of specs/threadpool.md: a conforming pool implements
 * exactly these declarations, and the conformance checks
 * (conformance/threadpool/check_*.c) are compiled against it together with
 * the pool under test (`tools/osnet check threadpool --impl-src my.c`).
 * Copy it, do not change it.
 *
 * The model: tp_create() starts `workers` threads, which take tasks from a
 * FIFO queue holding at most `capacity` tasks not yet started, and run
 * them. A task is a function and its argument; the pool never looks at
 * the argument, which stays the caller's to free. Functions that can fail
 * return 0 or a negative errno value.
 *
 * The life of a pool: tp_create, then any number of tp_submit /
 * tp_try_submit / tp_wait from any threads, then tp_shutdown (optional),
 * then tp_destroy, once, when no other thread uses the pool any more.
 *
 * Calls from inside a task (a function running on one of the pool's own
 * workers): tp_submit and tp_try_submit are allowed, so a task may hand
 * out more work. Anything that would make a worker wait for the pool's
 * workers is refused with -EDEADLK instead of hanging: tp_submit when the
 * queue is full, tp_wait, tp_shutdown. tp_destroy must not be called from
 * a task.
 */
#ifndef OSNET_THREADPOOL_H
#define OSNET_THREADPOOL_H

#include <stddef.h>

/* Limits of tp_create's arguments; outside them it returns -EINVAL. */
#define TP_MAX_WORKERS  1024u
#define TP_MAX_CAPACITY ((size_t)1 << 20)

/* The pool. Opaque: each implementation defines it. */
typedef struct tp_pool tp_pool;

/* A task: runs once, on a worker thread, with the argument given at submit. */
typedef void (*tp_task_fn)(void *arg);

/* How tp_shutdown treats the tasks still queued (submitted, not started). */
enum tp_shutdown_mode {
    TP_DRAIN,  /* run every one of them before returning */
    TP_CANCEL, /* drop them without running them; count them */
};

/* Creates a pool of exactly `workers` threads (1..TP_MAX_WORKERS), all
 * started before it returns, and a queue of `capacity` tasks
 * (1..TP_MAX_CAPACITY). The pool creates no other thread, ever.
 *
 * Returns 0 and stores the pool in *out; or, leaving *out untouched,
 * -EINVAL (out NULL, workers or capacity out of range), -ENOMEM (an
 * allocation failed, or a mutex or condition variable could not be
 * initialised: POSIX lets pthread_mutex_init and pthread_cond_init fail
 * with ENOMEM or EAGAIN, both reported as -ENOMEM) or the negated error
 * of a failed pthread_create (usually -EAGAIN). On failure nothing is
 * left behind: the workers already started have been stopped and joined,
 * the memory freed.
 *
 * Thread-safety: reentrant (touches no shared state).
 */
int tp_create(tp_pool **out, unsigned workers, size_t capacity);

/* Queues fn(arg), waiting for room while the queue holds `capacity` tasks
 * not yet started. Once it returns 0 the task will run exactly once
 * (unless tp_shutdown(TP_CANCEL) drops it before it starts).
 *
 * Returns 0; -EINVAL (p or fn NULL); -ESHUTDOWN once tp_shutdown has begun,
 * including for a caller waiting for room when it begins (the task is then
 * not queued); -EDEADLK when called from a task of this pool while the
 * queue is full (it returns at once instead of waiting for room that only
 * the workers, itself included, can make); -ENOMEM if the implementation
 * allocates per task and that fails (the task is then not queued).
 *
 * Thread-safety: any number of threads, and tasks, may call it at once.
 */
int tp_submit(tp_pool *p, tp_task_fn fn, void *arg);

/* Like tp_submit, but never waits: when the queue holds `capacity` tasks
 * not yet started, returns -EAGAIN at once and the task is not queued.
 *
 * Returns 0, -EAGAIN, -EINVAL, -ESHUTDOWN, -ENOMEM (as tp_submit).
 *
 * Thread-safety: any number of threads, and tasks, may call it at once.
 */
int tp_try_submit(tp_pool *p, tp_task_fn fn, void *arg);

/* Waits until the pool is idle: the queue empty and no task running. So
 * every task submitted before the call (and every task those submitted)
 * has finished when it returns. Other threads that keep submitting can
 * keep it waiting.
 *
 * Returns 0 (at once after tp_shutdown has finished); -EINVAL (p NULL);
 * -EDEADLK when called from a task of this pool (it would wait for
 * itself).
 *
 * Thread-safety: any number of threads may call it at once, while others
 * submit.
 */
int tp_wait(tp_pool *p);

/* Stops the pool for good: from the moment it begins, every submit fails
 * with -ESHUTDOWN (callers waiting for room wake up with it). Then
 * TP_DRAIN: the workers run every task still queued; TP_CANCEL: the tasks
 * still queued are dropped, never run, and their number is stored in
 * *dropped (if dropped is not NULL; 0 for TP_DRAIN). Tasks already running
 * are never interrupted: both modes wait for them. It returns once every
 * worker thread has exited and been joined.
 *
 * Returns 0; -EINVAL (p NULL, mode not a tp_shutdown_mode); -ESHUTDOWN
 * (tp_shutdown was already called, by this thread or another: nothing
 * done, *dropped untouched); -EDEADLK when called from a task of this pool
 * (a worker cannot join itself).
 *
 * Thread-safety: any thread may call it while others submit or wait; only
 * the first call does the work.
 */
int tp_shutdown(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped);

/* Destroys the pool: if tp_shutdown has not been called, does
 * tp_shutdown(p, TP_DRAIN, NULL) first (every queued task runs: destroying
 * a busy pool loses no work), then frees everything. When it returns no
 * worker thread of the pool exists any more. p NULL: does nothing.
 *
 * Thread-safety: none. The caller must make sure no other thread is
 * inside, or will call, any tp_ function on this pool (a thread woken with
 * -ESHUTDOWN has to have returned: join it first), and must not call it
 * from a task.
 */
void tp_destroy(tp_pool *p);

#endif
