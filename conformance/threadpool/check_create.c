/* VARIANTS: asan tsan */
/* tp_create: the worker threads it starts, and the arguments every call
 * refuses (specs/threadpool.md, "Creation"). */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

/* Submits n counting tasks and waits for them (the pool must be working). */
static void run_some(tp_pool *p, long n)
{
    atomic_store(&tpc_count, 0);
    for (long i = 0; i < n; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    assert_int_equal(atomic_load(&tpc_count), n);
}

/* REQ: TP-001 */
static void creates_exactly_w_threads(void **state)
{
    (void)state;
    static const unsigned ws[] = {1, 3, 8, 64};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        unsigned w = ws[i];
        int base = tpc_base_threads();
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, w, 4), 0);
        assert_non_null(p);
        int after = lc_threads();
        if (after != base + (int)w)
            fail_msg("tp_create(&p, %u, 4) returned with %d threads in the process, "
                     "%d before: %u new threads expected",
                     w, after, base, w);

        /* Busy workers, a full queue, a submitter waiting for room: still
         * the same W threads (none per task, none started later). */
        gate_reset();
        gate_fill_workers(p, w);
        for (int k = 0; k < 4; k++)
            assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
        int busy = lc_threads();
        gate_open();
        assert_int_equal(tp_wait(p), 0);
        run_some(p, 1000);
        int later = lc_threads();
        if (busy != base + (int)w || later != base + (int)w)
            fail_msg("a pool of %u workers: %d threads in the process before tp_create, "
                     "%d right after it, %d while its workers ran %u tasks, %d after 1000 "
                     "more tasks: the pool must create its %u workers in tp_create and no "
                     "other thread",
                     w, base, after, busy, w, later, w);
        tp_destroy(p);
        int end = lc_threads_settle(base, 5000);
        if (end != base)
            fail_msg("after tp_destroy of a pool of %u workers, %d threads remain, %d "
                     "before tp_create",
                     w, end, base);
    }
    /* The largest values are accepted too. */
    int base = tpc_base_threads();
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, 1, TP_MAX_CAPACITY), 0);
    run_some(p, 10);
    tp_destroy(p);
    assert_int_equal(tp_create(&p, TP_MAX_WORKERS, 1), 0);
    int after = lc_threads();
    if (after != base + (int)TP_MAX_WORKERS)
        fail_msg("tp_create(&p, TP_MAX_WORKERS, 1): %d threads, %d before", after, base);
    run_some(p, 100);
    tp_destroy(p);
    lc_threads_settle(base, 5000);
}

/* REQ: TP-002 */
static void create_refuses_bad_arguments(void **state)
{
    (void)state;
    static const struct {
        unsigned w;
        size_t c;
    } bad[] = {
        {0, 4}, {TP_MAX_WORKERS + 1, 4}, {~0u, 4}, {4, 0}, {4, TP_MAX_CAPACITY + 1}, {0, 0},
    };
    static tp_pool *sentinel = (tp_pool *)&tpc_count;
    int base = tpc_base_threads();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tp_pool *p = sentinel;
        int r = tp_create(&p, bad[i].w, bad[i].c);
        if (r != -EINVAL || p != sentinel || lc_threads() != base) {
            if (r == 0 && p != sentinel)
                tp_destroy(p);
            fail_msg("tp_create(&p, %u, %zu) returned %d (-EINVAL = %d expected), *out %s, "
                     "%d threads (%d before)",
                     bad[i].w, bad[i].c, r, -EINVAL, p == sentinel ? "untouched" : "changed",
                     lc_threads(), base);
        }
    }
    int r = tp_create(NULL, 2, 2);
    if (r != -EINVAL)
        fail_msg("tp_create(NULL, 2, 2) returned %d, -EINVAL (%d) expected", r, -EINVAL);
    assert_int_equal(lc_threads(), base);
}

/* REQ: TP-002 */
static void calls_refuse_null_and_bad_mode(void **state)
{
    (void)state;
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, 2, 4), 0);
    atomic_store(&tpc_marker_runs, 0);
    int r[6];
    r[0] = tp_submit(NULL, marker_task, NULL);
    r[1] = tp_submit(p, NULL, NULL);
    r[2] = tp_try_submit(NULL, marker_task, NULL);
    r[3] = tp_try_submit(p, NULL, NULL);
    r[4] = tp_wait(NULL);
    r[5] = tp_shutdown(NULL, TP_DRAIN, NULL);
    static const char *what[] = {"tp_submit(NULL, fn, arg)",
                                 "tp_submit(p, NULL, arg)",
                                 "tp_try_submit(NULL, fn, arg)",
                                 "tp_try_submit(p, NULL, arg)",
                                 "tp_wait(NULL)",
                                 "tp_shutdown(NULL, TP_DRAIN, NULL)"};
    for (int i = 0; i < 6; i++)
        if (r[i] != -EINVAL)
            fail_msg("%s returned %d, -EINVAL (%d) expected", what[i], r[i], -EINVAL);
    size_t dropped = 4242;
    int bad = tp_shutdown(p, (enum tp_shutdown_mode)7, &dropped);
    if (bad != -EINVAL || dropped != 4242)
        fail_msg("tp_shutdown(p, 7, &dropped) returned %d (-EINVAL = %d expected), dropped "
                 "%zu (untouched: 4242 expected)",
                 bad, -EINVAL, dropped);
    /* The pool goes on working after each refusal. */
    run_some(p, 100);
    assert_int_equal(tp_wait(p), 0);
    assert_int_equal(atomic_load(&tpc_marker_runs), 0);
    tp_destroy(p);
    tp_destroy(NULL);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(creates_exactly_w_threads),
    cmocka_unit_test(create_refuses_bad_arguments),
    cmocka_unit_test(calls_refuse_null_and_bad_mode),
)
/* clang-format on */
