/* VARIANTS: asan tsan */
/* Where tasks run, how many at once, and in what order
 * (specs/threadpool.md, "Running tasks"). */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

#define W 4

/* ---- W at once: a rendezvous ------------------------------------------
 * Each task waits until all W have arrived (or the deadline passed): they
 * can all finish in time only if W of them run at the same time. */
static pthread_mutex_t meet_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cv = PTHREAD_COND_INITIALIZER;
static int meet_arrived;
static int meet_met; /* tasks that saw all W arrive */
static struct timespec meet_until;

static void meet_task(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&meet_mu);
    meet_arrived++;
    pthread_cond_broadcast(&meet_cv);
    while (meet_arrived < W && pthread_cond_timedwait(&meet_cv, &meet_mu, &meet_until) == 0)
        ;
    if (meet_arrived >= W)
        meet_met++;
    pthread_mutex_unlock(&meet_mu);
}

/* ---- where: every task's thread id ------------------------------------- */
#define WHERE_TASKS 2000
static pid_t where_tid[WHERE_TASKS];

static void where_task(void *arg)
{
    where_tid[(uintptr_t)arg] = gettid();
}

/* REQ: TP-003 */
static void tasks_run_on_the_workers_w_at_once(void **state)
{
    (void)state;
    static tp_pool *p;
    p = NULL;
    pid_t workers[W + 8];
    int nw = tpc_create_seen(&p, W, 8, workers, W + 8);

    clock_gettime(CLOCK_REALTIME, &meet_until);
    meet_until.tv_sec += lc_ms(TPC_DEADLINE_MS) / 1000;
    for (int i = 0; i < W; i++)
        assert_int_equal(tp_submit(p, meet_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    pthread_mutex_lock(&meet_mu);
    int met = meet_met, arrived = meet_arrived;
    pthread_mutex_unlock(&meet_mu);
    if (met != W)
        fail_msg("%d tasks that each wait for all %d to be running, in a pool of %d workers: "
                 "%d arrived, only %d saw the others within %ld ms; the workers must run "
                 "tasks at the same time",
                 W, W, W, arrived, met, lc_ms(TPC_DEADLINE_MS));

    pid_t me = gettid();
    for (uintptr_t i = 0; i < WHERE_TASKS; i++) {
        int r = i % 2 ? tp_submit(p, where_task, (void *)i) : -EAGAIN;
        while (r == -EAGAIN)
            r = tp_try_submit(p, where_task, (void *)i);
        assert_int_equal(r, 0);
    }
    assert_int_equal(tp_wait(p), 0);
    pid_t seen[W + 1];
    int nseen = 0;
    for (int i = 0; i < WHERE_TASKS; i++) {
        pid_t t = where_tid[i];
        if (t == me)
            fail_msg("task %d ran on the thread that submitted it (tid %d): tasks run "
                     "only on the pool's workers",
                     i, (int)t);
        if (!tpc_has(workers, nw, t))
            fail_msg("task %d ran on thread %d, which is none of the %d threads tp_create "
                     "started",
                     i, (int)t, nw);
        if (!tpc_has(seen, nseen, t)) {
            if (nseen == W)
                fail_msg("tasks ran on more than %d threads", W);
            seen[nseen++] = t;
        }
    }
    tp_destroy(p);
}

/* ---- order ------------------------------------------------------------- */
#define ORDER_TASKS 5000
static long order_log[ORDER_TASKS];
static long order_n;

static void order_task(void *arg)
{
    /* One worker: only one thread ever writes here, and tp_wait orders
     * its writes before the check reads them. */
    order_log[order_n++] = (long)(uintptr_t)arg;
}

/* REQ: TP-006 */
static void one_worker_runs_in_submission_order(void **state)
{
    (void)state;
    static const size_t caps[] = {1, 3, 64, 8192};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        static tp_pool *p;
        p = NULL;
        assert_int_equal(tp_create(&p, 1, caps[c]), 0);
        /* First behind a gate, so that a queue fills up before the worker
         * takes anything (the order of a full ring), then freely. */
        gate_reset();
        gate_fill_workers(p, 1);
        order_n = 0;
        long n = 0;
        for (; n < (long)caps[c] && n < ORDER_TASKS / 2; n++)
            assert_int_equal(tp_try_submit(p, order_task, (void *)(uintptr_t)n), 0);
        gate_open();
        for (; n < ORDER_TASKS; n++)
            assert_int_equal(tp_submit(p, order_task, (void *)(uintptr_t)n), 0);
        assert_int_equal(tp_wait(p), 0);
        assert_int_equal(order_n, ORDER_TASKS);
        for (long i = 0; i < ORDER_TASKS; i++)
            if (order_log[i] != i)
                fail_msg("capacity %zu, one worker: task number %ld to run (from 0) was task %ld "
                         "(tasks run in the order submitted: first in, first out)",
                         caps[c], i, order_log[i]);
        tp_destroy(p);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(tasks_run_on_the_workers_w_at_once),
    cmocka_unit_test(one_worker_runs_in_submission_order),
)
/* clang-format on */
