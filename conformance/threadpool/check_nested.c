/* VARIANTS: asan tsan */
/* Pool calls made by a task of the pool (specs/threadpool.md, TP-013):
 * submitting more work is allowed; what would make a worker wait for the
 * workers is refused with -EDEADLK instead of hanging. */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

static tp_pool *pool;
static atomic_long parent_done;
static int r_try, r_submit_full, r_try_full, r_wait, r_shutdown;
static size_t shutdown_dropped;

/* Runs on the only worker of a pool of capacity 1. */
static void parent_task(void *arg)
{
    (void)arg;
    r_try = tp_try_submit(pool, count_task, NULL);      /* room: queued */
    r_submit_full = tp_submit(pool, marker_task, NULL); /* full: would wait for itself */
    r_try_full = tp_try_submit(pool, marker_task, NULL);
    r_wait = tp_wait(pool);
    shutdown_dropped = 4242;
    r_shutdown = tp_shutdown(pool, TP_DRAIN, &shutdown_dropped);
    atomic_store(&parent_done, 1);
}

/* REQ: TP-013 */
static void task_calls_refused_with_edeadlk(void **state)
{
    (void)state;
    assert_int_equal(tp_create(&pool, 1, 1), 0);
    atomic_store(&tpc_count, 0);
    atomic_store(&tpc_marker_runs, 0);
    assert_int_equal(tp_submit(pool, parent_task, NULL), 0);
    if (!tpc_until(&parent_done, 1, TPC_DEADLINE_MS))
        fail_msg("a task of a pool of 1 worker and capacity 1 called tp_try_submit (the "
                 "queue then full), then tp_submit: it did not finish within %ld ms; "
                 "tp_submit from a task on a full queue must return -EDEADLK at once",
                 lc_ms(TPC_DEADLINE_MS));
    /* parent_done's atomic store orders the task's writes before these reads. */
    if (r_try != 0)
        fail_msg("tp_try_submit from a task, queue empty: %d, 0 expected", r_try);
    if (r_submit_full != -EDEADLK)
        fail_msg("tp_submit from a task, queue full: %d, -EDEADLK (%d) expected", r_submit_full,
                 -EDEADLK);
    if (r_try_full != -EAGAIN)
        fail_msg("tp_try_submit from a task, queue full: %d, -EAGAIN (%d) expected", r_try_full,
                 -EAGAIN);
    if (r_wait != -EDEADLK)
        fail_msg("tp_wait from a task: %d, -EDEADLK (%d) expected", r_wait, -EDEADLK);
    if (r_shutdown != -EDEADLK || shutdown_dropped != 4242)
        fail_msg("tp_shutdown from a task: %d (-EDEADLK = %d expected), dropped %zu "
                 "(untouched: 4242 expected)",
                 r_shutdown, -EDEADLK, shutdown_dropped);
    assert_int_equal(tp_wait(pool), 0);
    assert_int_equal(atomic_load(&tpc_count), 1);
    assert_int_equal(atomic_load(&tpc_marker_runs), 0);
    /* The refused shutdown did not stop the pool. */
    assert_int_equal(tp_submit(pool, count_task, NULL), 0);
    assert_int_equal(tp_wait(pool), 0);
    assert_int_equal(atomic_load(&tpc_count), 2);
    tp_destroy(pool);
}

/* A chain: each task submits the next with tp_submit (there is room),
 * so the chain advances one task at a time through the pool. */
static atomic_long chain_done;
static atomic_long chain_errors;

static void chain_task(void *arg)
{
    uintptr_t left = (uintptr_t)arg;
    if (left > 0 && tp_submit(pool, chain_task, (void *)(left - 1)) != 0)
        atomic_fetch_add(&chain_errors, 1);
    atomic_fetch_add(&chain_done, 1);
}

/* REQ: TP-013 */
static void task_submits_tasks(void **state)
{
    (void)state;
    for (unsigned w = 1; w <= 3; w += 2) {
        assert_int_equal(tp_create(&pool, w, 4), 0);
        atomic_store(&chain_done, 0);
        atomic_store(&chain_errors, 0);
        for (int i = 0; i < 3; i++)
            assert_int_equal(tp_submit(pool, chain_task, (void *)(uintptr_t)999), 0);
        assert_int_equal(tp_wait(pool), 0);
        if (atomic_load(&chain_errors) || atomic_load(&chain_done) != 3000)
            fail_msg("%u workers: 3 chains of 1000 tasks, each submitting the next with "
                     "tp_submit: %ld submits failed, %ld tasks ran when tp_wait returned "
                     "(3000 expected)",
                     w, atomic_load(&chain_errors), atomic_load(&chain_done));
        tp_destroy(pool);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(task_calls_refused_with_edeadlk),
    cmocka_unit_test(task_submits_tasks),
)
/* clang-format on */
