/* VARIANTS: asan tsan */
/* Resource failures inside the pool (specs/threadpool.md, "Resources"):
 * the n-th allocation, or the n-th pthread_create, made by tp_create fails,
 * for n = 1, 2, ... until tp_create makes fewer than n such calls. Each
 * time: the error returned, *out untouched, no thread left (counted in
 * /proc/self/task), nothing leaked (LeakSanitizer, asan build), and a
 * pool that is still created is a working one. Then the same for the
 * allocations a submit may make. */
#include "libcheck.h"
#include "threadpool.h"
/* count_task, tpc_base_threads, the helper thread: one copy, shared with
 * the conformance checks. */
#include "../../conformance/threadpool/tp_util.h"

/* tp_wait on a thread of its own, given up after a generous while: a pool
 * that counts a task it never queued waits forever. */
static struct bg waiter;

static int wait_deadline(tp_pool *p)
{
    bg_start(&waiter, BG_WAIT, p);
    return bg_finish(&waiter, TPC_DEADLINE_MS) ? 0 : -1;
}

/* A pool that was created must work: tasks run, then it goes away. */
static void use_and_destroy(tp_pool *p, const char *when)
{
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 50; i++)
        if (tp_submit(p, count_task, NULL) != 0)
            fail_msg("%s: tp_create succeeded, but tp_submit then failed", when);
    assert_int_equal(tp_wait(p), 0);
    if (atomic_load(&tpc_count) != 50)
        fail_msg("%s: tp_create succeeded, but only %ld of 50 tasks ran", when,
                 atomic_load(&tpc_count));
    tp_destroy(p);
}

/* Fails the n-th call of `kind` inside tp_create(&p, 4, 16), for every n
 * that tp_create reaches; `want` is the error it must then return. */
static void create_under(enum lc_kind kind, const char *what, int want)
{
    int base = tpc_base_threads();
    static tp_pool *const sentinel = (tp_pool *)&tpc_count;
    long n;
    for (n = 1; n < 10000; n++) {
        tp_pool *p = sentinel;
        lc_fail_after(kind, n);
        int r = tp_create(&p, 4, 16);
        int fired = lc_fired(kind);
        lc_fail_off();
        char when[96];
        snprintf(when, sizeof when, "%s number %ld in tp_create(&p, 4, 16) failing", what, n);
        if (!fired) {
            /* Fewer than n calls: every failure point has been tried. */
            assert_int_equal(r, 0);
            use_and_destroy(p, when);
            break;
        }
        if (r == 0) {
            /* It could do without that call: fine, if the pool works. */
            use_and_destroy(p, when);
        } else {
            if (r != want)
                fail_msg("%s: tp_create returned %d, %d expected", when, r, want);
            if (p != sentinel)
                fail_msg("%s: tp_create failed (%d) but changed *out", when, r);
        }
        int left = lc_threads_settle(base, 5000);
        if (left != base)
            fail_msg("%s: tp_create returned %d with %d threads in the process, %d before: "
                     "the workers already started must be stopped and joined",
                     when, r, left, base);
    }
    print_message("%s: tp_create makes %ld such calls, each failure handled\n", what, n - 1);
}

/* REQ: TP-015 */
static void create_survives_allocation_failures(void **state)
{
    (void)state;
    create_under(LC_MALLOC, "allocation", -ENOMEM);
}

/* REQ: TP-015 */
static void create_survives_pthread_create_failures(void **state)
{
    (void)state;
    create_under(LC_PTHREAD_CREATE, "pthread_create", -EAGAIN);
}

/* REQ: TP-016 */
static void submit_survives_allocation_failures(void **state)
{
    (void)state;
    static tp_pool *p; /* static: still reachable (no leak report) if the check fails */
    p = NULL;
    assert_int_equal(tp_create(&p, 2, 64), 0); /* room for the 20 submits */
    for (int t = 0; t < 2; t++) {
        const char *fn = t ? "tp_try_submit" : "tp_submit";
        for (long n = 1; n < 10000; n++) {
            atomic_store(&tpc_count, 0);
            lc_fail_after(LC_MALLOC, n);
            /* Several submits, so that a pool allocating a block of task
             * records now and then is reached too. */
            int r = 0, k;
            for (k = 0; k < 20 && r == 0 && !lc_fired(LC_MALLOC); k++)
                r = t ? tp_try_submit(p, count_task, NULL) : tp_submit(p, count_task, NULL);
            int fired = lc_fired(LC_MALLOC);
            lc_fail_off();
            if (wait_deadline(p) != 0)
                fail_msg("%s with allocation number %ld failing returned %d; then tp_wait "
                         "did not return: is a task counted that was never queued?",
                         fn, n, r);
            long ran = atomic_load(&tpc_count);
            long accepted = r == 0 ? k : k - 1;
            if (r != 0 && r != -ENOMEM)
                fail_msg("%s with allocation number %ld failing returned %d, 0 or -ENOMEM "
                         "expected",
                         fn, n, r);
            if (ran != accepted)
                fail_msg("%s with allocation number %ld failing: %ld submits returned 0, "
                         "%ld tasks ran (the last returned %d)",
                         fn, n, accepted, ran, r);
            if (!fired)
                break;
        }
    }
    /* Still working. */
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    assert_int_equal(atomic_load(&tpc_count), 100);
    tp_destroy(p);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(create_survives_allocation_failures),
    cmocka_unit_test(create_survives_pthread_create_failures),
    cmocka_unit_test(submit_survives_allocation_failures),
)
/* clang-format on */
