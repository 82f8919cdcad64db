/* VARIANTS: asan tsan */
/* Threads with nothing to do sleep (specs/threadpool.md, TP-017, a
 * SHOULD). Judged from the scheduler's view of each thread
 * (lc_stays_blocked: /proc/self/task/TID), not from CPU time: a spinning
 * thread is runnable whenever it is looked at, however little CPU a busy
 * machine gives it, and a loop of short sleeps goes to sleep again and
 * again; a thread waiting on a condition variable does neither. */
#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

/* Fails the check unless thread tid, once asleep, stays asleep for
 * lc_ms(300). */
static void expect_stays_asleep(int tid, const char *what)
{
    char why[256];
    if (!lc_stays_blocked(tid, 300, why, sizeof why))
        fail_msg("%s: %s; it must sleep (pthread_cond_wait, a semaphore, a futex)", what, why);
}

static struct bg blocked;

/* REQ: TP-017 */
static void idle_threads_sleep(void **state)
{
    (void)state;
    static tp_pool *p;
    p = NULL;
    pid_t workers[16];
    int nw = tpc_create_seen(&p, 4, 4, workers, 16);
    /* Some work first, so that the workers have been through their loop. */
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    for (int i = 0; i < nw; i++) {
        char what[96];
        snprintf(what, sizeof what, "thread %d of %d that tp_create started (an idle pool)", i + 1,
                 nw);
        /* A worker that has just finished a task is given time to get
         * back to its wait first. */
        lc_thread_asleep(workers[i], 5000);
        expect_stays_asleep(workers[i], what);
    }

    /* The workers wait on the gate (sleeping), the queue is full, a
     * submitter waits for room: the pool's part is the submitter. */
    gate_reset();
    gate_fill_workers(p, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
    blocked.fn = count_task;
    bg_start(&blocked, BG_SUBMIT, p);
    bg_settle(&blocked); /* asleep in the call, or never seen asleep in 5 s */
    if (bg_done(&blocked))
        fail_msg("tp_submit on a full queue returned %d instead of waiting", blocked.ret);
    expect_stays_asleep(atomic_load(&blocked.tid), "a tp_submit waiting for room");
    gate_open();
    assert_true(bg_finish(&blocked, TPC_DEADLINE_MS));
    assert_int_equal(tp_wait(p), 0);
    tp_destroy(p);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(idle_threads_sleep),
)
/* clang-format on */
