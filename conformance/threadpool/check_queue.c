/* VARIANTS: asan tsan */
/* The bounded queue: try_submit refuses when full, submit waits for room
 * (specs/threadpool.md, "Running tasks"). The workers are held busy by
 * gate tasks, so the queue holds exactly what the check put in it. */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

static struct bg try_call, sub_call;

/* REQ: TP-004 */
static void queue_holds_capacity_then_eagain(void **state)
{
    (void)state;
    static const struct {
        unsigned w;
        size_t c;
    } cases[] = {{2, 5}, {3, 64}, {1, 1000}, {1, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned w = cases[i].w;
        size_t c = cases[i].c;
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, w, c), 0);
        gate_reset();
        gate_fill_workers(p, w);
        atomic_store(&tpc_count, 0);
        atomic_store(&tpc_marker_runs, 0);
        for (size_t k = 0; k < c; k++) {
            int r = tp_try_submit(p, count_task, NULL);
            if (r != 0)
                fail_msg("%u workers busy, capacity %zu: tp_try_submit number %zu returned "
                         "%d; the queue holds %zu tasks besides the running ones",
                         w, c, k + 1, r, c);
        }
        /* Full: refused at once, on a thread of its own so that a call
         * that waits instead shows up as not returning. */
        try_call.fn = marker_task;
        bg_start(&try_call, BG_TRY_SUBMIT, p);
        if (!bg_finish(&try_call, TPC_DEADLINE_MS))
            fail_msg("%u workers busy, %zu tasks queued (the capacity): tp_try_submit "
                     "did not return within %ld ms; it must return -EAGAIN at once",
                     w, c, lc_ms(TPC_DEADLINE_MS));
        if (try_call.ret != -EAGAIN)
            fail_msg("%u workers busy, %zu tasks queued (the capacity): tp_try_submit "
                     "returned %d, -EAGAIN (%d) expected",
                     w, c, try_call.ret, -EAGAIN);
        gate_open();
        assert_int_equal(tp_wait(p), 0);
        assert_int_equal(atomic_load(&tpc_count), (long)c);
        if (atomic_load(&tpc_marker_runs) != 0)
            fail_msg("a task refused with -EAGAIN ran anyway");
        /* Room again: accepted again. */
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
        assert_int_equal(tp_wait(p), 0);
        assert_int_equal(atomic_load(&tpc_count), (long)c + 1);
        tp_destroy(p);
    }
}

/* REQ: TP-005 */
static void submit_waits_for_room(void **state)
{
    (void)state;
    static const struct {
        unsigned w;
        size_t c;
    } cases[] = {{1, 1}, {2, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned w = cases[i].w;
        size_t c = cases[i].c;
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, w, c), 0);
        gate_reset();
        gate_fill_workers(p, w);
        atomic_store(&tpc_count, 0);
        atomic_store(&tpc_marker_runs, 0);
        for (size_t k = 0; k < c; k++)
            assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
        sub_call.fn = marker_task;
        bg_start(&sub_call, BG_SUBMIT, p);
        if (!bg_blocks(&sub_call, 200))
            fail_msg("%u workers busy, %zu tasks queued (the capacity): tp_submit returned "
                     "%d instead of waiting for room",
                     w, c, sub_call.ret);
        if (atomic_load(&tpc_marker_runs) != 0)
            fail_msg("the blocked submitter's task ran before the workers were free");
        gate_open();
        if (!bg_finish(&sub_call, TPC_DEADLINE_MS))
            fail_msg("the workers were freed, the queue emptied, but tp_submit still did "
                     "not return after %ld ms",
                     lc_ms(TPC_DEADLINE_MS));
        assert_int_equal(sub_call.ret, 0);
        assert_int_equal(tp_wait(p), 0);
        assert_int_equal(atomic_load(&tpc_count), (long)c);
        if (atomic_load(&tpc_marker_runs) != 1)
            fail_msg("the task of the tp_submit that waited ran %ld times, once expected",
                     atomic_load(&tpc_marker_runs));
        tp_destroy(p);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(queue_holds_capacity_then_eagain),
    cmocka_unit_test(submit_waits_for_room),
)
/* clang-format on */
