/* VARIANTS: asan tsan */
/* tp_wait: returns only once the pool is idle, every task finished, not
 * merely taken off the queue (specs/threadpool.md, TP-008); without data
 * races (TP-014, in the tsan build: a counter read without its lock). */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

static struct bg waiters[3];

/* REQ: TP-008 TP-014 */
static void wait_waits_for_running_tasks(void **state)
{
    (void)state;
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, 3, 4), 0);
    /* Idle: returns at once. */
    bg_start(&waiters[0], BG_WAIT, p);
    if (!bg_finish(&waiters[0], TPC_DEADLINE_MS))
        fail_msg("tp_wait on a pool that never had a task did not return");
    assert_int_equal(waiters[0].ret, 0);

    /* Three tasks running, none queued: the queue is empty, the pool is
     * not idle. */
    gate_reset();
    gate_fill_workers(p, 3);
    for (int i = 0; i < 3; i++)
        bg_start(&waiters[i], BG_WAIT, p);
    for (int i = 0; i < 3; i++)
        if (!bg_blocks(&waiters[i], i == 0 ? 200 : 0))
            fail_msg("tp_wait returned %d while 3 tasks were still running (the queue "
                     "empty): it must wait until they finish",
                     waiters[i].ret);
    gate_open();
    for (int i = 0; i < 3; i++) {
        if (!bg_finish(&waiters[i], TPC_DEADLINE_MS))
            fail_msg("the tasks finished, but tp_wait number %d of 3 (called at the same "
                     "time) did not return within %ld ms",
                     i + 1, lc_ms(TPC_DEADLINE_MS));
        assert_int_equal(waiters[i].ret, 0);
    }
    assert_int_equal(gate_await(3, true, 0), 3);
    tp_destroy(p);
}

/* Tasks that do a little work, so that several are running when the
 * queue runs dry. */
static atomic_long finished;

static void slow_task(void *arg)
{
    (void)arg;
    lc_sleep_ms(2);
    atomic_fetch_add(&finished, 1);
}

/* REQ: TP-008 TP-014 */
static void wait_then_every_task_has_finished(void **state)
{
    (void)state;
    for (unsigned w = 1; w <= 8; w *= 2) {
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, w, 16), 0);
        for (long round = 1; round <= 20; round++) {
            for (int i = 0; i < 20; i++)
                assert_int_equal(tp_submit(p, slow_task, NULL), 0);
            assert_int_equal(tp_wait(p), 0);
            long f = atomic_load(&finished);
            if (f != round * 20)
                fail_msg("%u workers: tp_wait returned when %ld of %ld tasks had finished", w, f,
                         round * 20);
        }
        atomic_store(&finished, 0);
        tp_destroy(p);
    }
}

/* A tree of tasks: each node submits its two children, then finishes. The
 * pool is never idle until the last leaf has run. */
#define DEPTH 10 /* 2^DEPTH - 1 = 1023 tasks */
static tp_pool *tree_pool;
static atomic_long tree_done;
static atomic_long tree_errors;

static void tree_task(void *arg)
{
    uintptr_t depth = (uintptr_t)arg;
    if (depth > 1)
        for (int k = 0; k < 2; k++)
            if (tp_try_submit(tree_pool, tree_task, (void *)(depth - 1)) != 0)
                atomic_fetch_add(&tree_errors, 1);
    lc_sleep_ms(depth == 2 ? 1 : 0);
    atomic_fetch_add(&tree_done, 1);
}

/* REQ: TP-008 TP-013 TP-014 */
static void wait_includes_tasks_submitted_by_tasks(void **state)
{
    (void)state;
    for (unsigned w = 1; w <= 4; w += 3) {
        atomic_store(&tree_done, 0);
        atomic_store(&tree_errors, 0);
        assert_int_equal(tp_create(&tree_pool, w, 2048), 0);
        assert_int_equal(tp_submit(tree_pool, tree_task, (void *)(uintptr_t)DEPTH), 0);
        assert_int_equal(tp_wait(tree_pool), 0);
        long done = atomic_load(&tree_done);
        if (atomic_load(&tree_errors))
            fail_msg("tp_try_submit from a task (queue not full) failed %ld times",
                     atomic_load(&tree_errors));
        if (done != (1L << DEPTH) - 1)
            fail_msg("%u workers: a task submitting 2 tasks, each submitting 2 ..., %ld "
                     "tasks in all: tp_wait returned when %ld had finished",
                     w, (1L << DEPTH) - 1, done);
        tp_destroy(tree_pool);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(wait_waits_for_running_tasks),
    cmocka_unit_test(wait_then_every_task_has_finished),
    cmocka_unit_test(wait_includes_tasks_submitted_by_tasks),
)
/* clang-format on */
