/* VARIANTS: asan tsan */
/* Threads with nothing to do sleep (specs/threadpool.md, TP-017, a
 * SHOULD): the process's CPU time over a wait of 300 ms (scaled) stays
 * under a tenth of the time elapsed. The bound is loose on purpose: a
 * busy machine slows a spinning thread down (it then uses less CPU here)
 * but never makes a sleeping one use CPU, so a spinning pool still shows
 * dozens of ms where a sleeping one shows well under one. */
#include <time.h>

#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time used by the process while this thread sleeps lc_ms(300), as a
 * share of the time elapsed; fails the check over 1/10. */
static void expect_quiet(const char *what)
{
    uint64_t c0 = cpu_ns(), t0 = lc_now_ns();
    lc_sleep_ms(lc_ms(300));
    uint64_t c1 = cpu_ns(), t1 = lc_now_ns();
    double cpu_ms = (double)(c1 - c0) / 1e6, wall_ms = (double)(t1 - t0) / 1e6;
    if (cpu_ms * 10 > wall_ms)
        fail_msg("%s: the process used %.1f ms of CPU in %.1f ms (more than a tenth): "
                 "a thread is spinning instead of sleeping",
                 what, cpu_ms, wall_ms);
}

static struct bg blocked;

/* REQ: TP-017 */
static void idle_threads_sleep(void **state)
{
    (void)state;
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, 4, 4), 0);
    /* Some work first, so that the workers have been through their loop. */
    atomic_store(&tpc_count, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(tp_submit(p, count_task, NULL), 0);
    assert_int_equal(tp_wait(p), 0);
    expect_quiet("an idle pool of 4 workers");

    /* The workers wait on the gate (sleeping), the queue is full, a
     * submitter waits for room: the pool's part is the submitter. */
    gate_reset();
    gate_fill_workers(p, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tp_try_submit(p, count_task, NULL), 0);
    blocked.fn = count_task;
    bg_start(&blocked, BG_SUBMIT, p);
    lc_sleep_ms(lc_ms(50));
    expect_quiet("a tp_submit waiting for room (the workers asleep in tasks)");
    if (bg_done(&blocked))
        fail_msg("tp_submit on a full queue returned %d instead of waiting", blocked.ret);
    gate_open();
    assert_true(bg_finish(&blocked, TPC_DEADLINE_MS));
    assert_int_equal(tp_wait(p), 0);
    tp_destroy(p);
}

LIBCHECK_MAIN(
    cmocka_unit_test(idle_threads_sleep),
)
