/* VARIANTS: asan tsan */
/* tp_shutdown (drain, cancel), submits after it, and tp_destroy of a busy
 * pool (specs/threadpool.md, "Shutdown and destroy"). The workers are held
 * busy by gate tasks, so the check knows what is queued and what runs. */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

static struct bg stopper, submitter;

/* Waits until shutdown has begun: tp_try_submit returns -ESHUTDOWN. The
 * queue is full meanwhile, so the tries are refused and queue nothing; a
 * marker accepted now is a bug the caller sees. A pool that looks at
 * "full" before "shutting down" answers -EAGAIN throughout: that order is
 * TP-011's business (its own checks report it), so here it only delays
 * the check, which goes on once the stopper has been asleep inside
 * tp_shutdown for lc_ms(500). */
static void await_shutdown_begun(tp_pool *p)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(TPC_DEADLINE_MS) * 1000000u;
    uint64_t asleep_since = 0;
    for (;;) {
        int r = tp_try_submit(p, marker_task, NULL);
        if (r == -ESHUTDOWN || bg_done(&stopper))
            return;
        if (r != -EAGAIN)
            fail_msg("tp_try_submit on a full queue, during tp_shutdown (called on another "
                     "thread), returned %d; -ESHUTDOWN (%d) expected once shutdown has begun",
                     r, -ESHUTDOWN);
        int tid = atomic_load(&stopper.tid);
        char st = tid ? lc_thread_state(tid) : 0;
        if (st != 'S' && st != 'D')
            asleep_since = 0;
        else if (asleep_since == 0)
            asleep_since = lc_now_ns();
        else if (lc_now_ns() - asleep_since > (uint64_t)lc_ms(500) * 1000000u)
            return;
        if (lc_now_ns() > end)
            return;
        lc_sleep_ms(1);
    }
}

/* Busy workers, a full queue, then tp_shutdown(mode) on another thread:
 * it must not return while the gate holds the running tasks. */
static tp_pool *busy_pool_shutting_down(unsigned w, size_t c, enum tp_shutdown_mode mode)
{
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, w, c), 0);
    gate_reset();
    gate_fill_workers(p, w);
    atomic_store(&tpc_count, 0);
    atomic_store(&tpc_marker_runs, 0);
    for (size_t k = 0; k < c; k++)
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
    stopper.mode = mode;
    bg_start(&stopper, BG_SHUTDOWN, p);
    await_shutdown_begun(p);
    if (!bg_blocks(&stopper, 200))
        fail_msg("tp_shutdown(%s) returned %d while %u tasks were still running: it must "
                 "wait for them",
                 mode == TP_DRAIN ? "TP_DRAIN" : "TP_CANCEL", stopper.ret, w);
    return p;
}

static void finish_shutdown(const char *mode)
{
    gate_open();
    if (!bg_finish(&stopper, TPC_DEADLINE_MS))
        fail_msg("the running tasks finished, but tp_shutdown(%s) did not return within %ld ms",
                 mode, lc_ms(TPC_DEADLINE_MS));
    assert_int_equal(stopper.ret, 0);
}

/* REQ: TP-009 */
static void drain_runs_every_queued_task(void **state)
{
    (void)state;
    int base = tpc_base_threads();
    tp_pool *p = busy_pool_shutting_down(2, 16, TP_DRAIN);
    finish_shutdown("TP_DRAIN");
    long ran = atomic_load(&tpc_count);
    if (ran != 16 || stopper.dropped != 0)
        fail_msg("tp_shutdown(TP_DRAIN) with 16 tasks queued: %ld of them ran, dropped = %zu "
                 "(16 and 0 expected)",
                 ran, stopper.dropped);
    assert_int_equal(gate_await(2, true, 0), 2);
    int left = lc_threads_settle(base, 5000);
    if (left != base)
        fail_msg("after tp_shutdown(TP_DRAIN) returned, %d threads remain, %d before "
                 "tp_create: it returns once every worker is joined",
                 left, base);
    tp_destroy(p);

    /* An idle pool: every worker asleep, waiting for a task, must wake up
     * and leave (a shutdown that wakes one of them waits forever). */
    pid_t workers[16];
    int nw = tpc_create_seen(&p, 4, 4, workers, 16);
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    for (int i = 0; i < nw; i++)
        lc_thread_asleep(workers[i], 5000); /* the workers back asleep */
    stopper.mode = TP_DRAIN;
    bg_start(&stopper, BG_SHUTDOWN, p);
    if (!bg_finish(&stopper, TPC_DEADLINE_MS))
        fail_msg("tp_shutdown(TP_DRAIN) of an idle pool of 4 workers did not return within "
                 "%ld ms: are all the sleeping workers woken?",
                 lc_ms(TPC_DEADLINE_MS));
    assert_int_equal(stopper.ret, 0);
    assert_int_equal(lc_threads_settle(base, 5000), base);
    tp_destroy(p);

    /* Without a gate: many quick tasks still queued when it is called. */
    assert_int_equal(tp_create(&p, 3, 5000), 0);
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    size_t dropped = 99;
    assert_int_equal(tp_shutdown(p, TP_DRAIN, &dropped), 0);
    if (atomic_load(&tpc_count) != 5000 || dropped != 0)
        fail_msg("tp_shutdown(TP_DRAIN) right after 5000 submits: %ld tasks ran, dropped = "
                 "%zu (5000 and 0 expected)",
                 atomic_load(&tpc_count), dropped);
    assert_int_equal(lc_threads_settle(base, 5000), base);
    tp_destroy(p);
}

/* REQ: TP-010 */
static void cancel_drops_queued_tasks(void **state)
{
    (void)state;
    int base = tpc_base_threads();
    tp_pool *p = busy_pool_shutting_down(2, 16, TP_CANCEL);
    finish_shutdown("TP_CANCEL");
    long ran = atomic_load(&tpc_count);
    if (ran != 0 || stopper.dropped != 16)
        fail_msg("tp_shutdown(TP_CANCEL) with 16 tasks queued (none started): %ld of them "
                 "ran, dropped = %zu (0 and 16 expected)",
                 ran, stopper.dropped);
    long gated = gate_await(2, true, 0);
    if (gated != 2)
        fail_msg("tp_shutdown(TP_CANCEL): %ld of the 2 running tasks finished", gated);
    int left = lc_threads_settle(base, 5000);
    if (left != base)
        fail_msg("after tp_shutdown(TP_CANCEL) returned, %d threads remain, %d before "
                 "tp_create: it returns once every worker is joined",
                 left, base);
    tp_destroy(p);

    /* Without a gate: cancelled while the workers race through quick
     * tasks. Every task either ran or was counted as dropped. */
    for (int round = 0; round < 10; round++) {
        assert_int_equal(tp_create(&p, 2, 5000), 0);
        atomic_store(&tpc_count, 0);
        for (int i = 0; i < 5000; i++)
            assert_int_equal(tp_submit(p, count_task, NULL), 0);
        size_t dropped = 0;
        assert_int_equal(tp_shutdown(p, TP_CANCEL, &dropped), 0);
        long n = atomic_load(&tpc_count);
        if (n + (long)dropped != 5000)
            fail_msg("tp_shutdown(TP_CANCEL) after 5000 submits: %ld tasks ran, dropped = "
                     "%zu: %ld + %zu != 5000",
                     n, dropped, n, dropped);
        tp_destroy(p);
        lc_sleep_ms(1);
        if (atomic_load(&tpc_count) != n)
            fail_msg("tasks ran after tp_shutdown(TP_CANCEL) returned");
    }
}

/* REQ: TP-011 */
static void submit_after_shutdown_fails(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        enum tp_shutdown_mode mode = m ? TP_CANCEL : TP_DRAIN;
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, 2, 4), 0);
        atomic_store(&tpc_marker_runs, 0);
        assert_int_equal(tp_shutdown(p, mode, NULL), 0);
        int r1 = tp_submit(p, marker_task, NULL);
        int r2 = tp_try_submit(p, marker_task, NULL);
        size_t dropped = 4242;
        int r3 = tp_shutdown(p, mode, &dropped);
        if (r1 != -ESHUTDOWN || r2 != -ESHUTDOWN)
            fail_msg("after tp_shutdown: tp_submit returned %d, tp_try_submit %d; "
                     "-ESHUTDOWN (%d) expected",
                     r1, r2, -ESHUTDOWN);
        if (r3 != -ESHUTDOWN || dropped != 4242)
            fail_msg("a second tp_shutdown returned %d (-ESHUTDOWN = %d expected), dropped "
                     "%zu (untouched: 4242 expected)",
                     r3, -ESHUTDOWN, dropped);
        stopper.fn = NULL;
        bg_start(&stopper, BG_WAIT, p);
        if (!bg_finish(&stopper, TPC_DEADLINE_MS))
            fail_msg("tp_wait after tp_shutdown did not return");
        assert_int_equal(stopper.ret, 0);
        tp_destroy(p);
        if (atomic_load(&tpc_marker_runs) != 0)
            fail_msg("a task submitted after tp_shutdown ran");
    }
}

/* REQ: TP-011 */
static void blocked_submitter_woken_by_shutdown(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        enum tp_shutdown_mode mode = m ? TP_CANCEL : TP_DRAIN;
        const char *name = m ? "TP_CANCEL" : "TP_DRAIN";
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, 1, 1), 0);
        gate_reset();
        gate_fill_workers(p, 1);
        atomic_store(&tpc_count, 0);
        atomic_store(&tpc_marker_runs, 0);
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
        submitter.fn = marker_task;
        bg_start(&submitter, BG_SUBMIT, p);
        /* Asleep, waiting for room, before shutdown begins: a submitter
         * that only sees the flag on its way in proves nothing here. */
        bg_settle(&submitter);
        if (bg_done(&submitter))
            fail_msg("tp_submit on a full queue returned %d instead of waiting", submitter.ret);
        stopper.mode = mode;
        bg_start(&stopper, BG_SHUTDOWN, p);
        /* The gate stays shut: the submitter must give up without waiting
         * for the running task. */
        if (!bg_finish(&submitter, TPC_DEADLINE_MS))
            fail_msg("tp_shutdown(%s) began, but a tp_submit waiting for room did not "
                     "return within %ld ms (the running task still running)",
                     name, lc_ms(TPC_DEADLINE_MS));
        if (submitter.ret != -ESHUTDOWN)
            fail_msg("a tp_submit waiting for room when tp_shutdown(%s) began returned %d, "
                     "-ESHUTDOWN (%d) expected",
                     name, submitter.ret, -ESHUTDOWN);
        finish_shutdown(name);
        if (atomic_load(&tpc_marker_runs) != 0)
            fail_msg("the task of a tp_submit that returned -ESHUTDOWN ran");
        assert_int_equal(atomic_load(&tpc_count) + (long)stopper.dropped, 1);
        tp_destroy(p);
    }
}

static struct bg destroyer;

/* REQ: TP-012 */
static void destroy_with_tasks_in_flight(void **state)
{
    (void)state;
    int base = tpc_base_threads();
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, 2, 8), 0);
    gate_reset();
    gate_fill_workers(p, 2);
    atomic_store(&tpc_count, 0);
    for (int k = 0; k < 8; k++)
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
    bg_start(&destroyer, BG_DESTROY, p);
    if (!bg_blocks(&destroyer, 200))
        fail_msg("tp_destroy returned while 2 tasks were still running");
    gate_open();
    if (!bg_finish(&destroyer, TPC_DEADLINE_MS))
        fail_msg("the running tasks finished, but tp_destroy did not return within %ld ms",
                 lc_ms(TPC_DEADLINE_MS));
    long ran = atomic_load(&tpc_count);
    if (ran != 8)
        fail_msg("tp_destroy of a pool with 8 tasks queued: %ld of them ran (all 8: destroy "
                 "drains)",
                 ran);
    assert_int_equal(gate_await(2, true, 0), 2);
    int left = lc_threads_settle(base, 5000);
    if (left != base)
        fail_msg("after tp_destroy, %d threads remain, %d before tp_create", left, base);

    /* Many quick tasks in flight, destroyed at once, again and again. */
    for (int round = 0; round < 20; round++) {
        assert_int_equal(tp_create(&p, 4, 1000), 0);
        atomic_store(&tpc_count, 0);
        for (int i = 0; i < 1000; i++)
            assert_int_equal(tp_submit(p, count_task, NULL), 0);
        tp_destroy(p);
        if (atomic_load(&tpc_count) != 1000)
            fail_msg("tp_destroy right after 1000 submits: %ld tasks ran", atomic_load(&tpc_count));
    }
    assert_int_equal(lc_threads_settle(base, 5000), base);

    /* After a shutdown it only frees; NULL is nothing. */
    assert_int_equal(tp_create(&p, 2, 2), 0);
    assert_int_equal(tp_shutdown(p, TP_CANCEL, NULL), 0);
    tp_destroy(p);
    tp_destroy(NULL);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(drain_runs_every_queued_task),
    cmocka_unit_test(cancel_drops_queued_tasks),
    cmocka_unit_test(submit_after_shutdown_fails),
    cmocka_unit_test(blocked_submitter_woken_by_shutdown),
    cmocka_unit_test(destroy_with_tasks_in_flight),
)
/* clang-format on */
