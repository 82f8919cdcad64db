/* VARIANTS: asan */
/* green: green_sleep_ms - long enough, others run meanwhile, wake-up order,
 * no busy waiting. Only lower bounds on time are checked ("no sooner
 * than"); an upper bound shows only as a test that does not finish. */
#include "libcheck.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "green.h"
#include "gtrace.h"

static bool sleeper_done;
static long yields_meanwhile;
static uint64_t slept_ns[3];

static void *sleep_each(void *arg)
{
    (void)arg;
    unsigned ms[3] = {1, 20, (unsigned)lc_ms(150)};
    for (int i = 0; i < 3; i++) {
        uint64_t t0 = lc_now_ns();
        if (green_sleep_ms(ms[i]) != 0)
            rec(-1);
        slept_ns[i] = lc_now_ns() - t0;
    }
    sleeper_done = true;
    return NULL;
}

static void *yield_until_sleeper_done(void *arg)
{
    (void)arg;
    uint64_t limit = lc_now_ns() + (uint64_t)lc_ms(20000) * 1000000u;
    while (!sleeper_done && lc_now_ns() < limit) {
        yields_meanwhile++;
        green_yield();
    }
    return NULL;
}

/* REQ: GREEN-014 */
static void sleep_lasts_at_least_ms(void **state)
{
    (void)state;
    spawn_ok(sleep_each, NULL, 0);
    spawn_ok(yield_until_sleeper_done, NULL, 0);
    run_expect(0);
    assert_int_equal(trace_len, 0);
    unsigned ms[3] = {1, 20, (unsigned)lc_ms(150)};
    for (int i = 0; i < 3; i++)
        if (slept_ns[i] < (uint64_t)ms[i] * 1000000u)
            fail_msg("green_sleep_ms(%u) returned after %.3f ms", ms[i], (double)slept_ns[i] / 1e6);
    if (yields_meanwhile < 3)
        fail_msg("another task yielding in a loop ran %ld times while a task slept "
                 "%ld ms in all: the other tasks must run during a sleep",
                 yields_meanwhile, 21 + lc_ms(150));
}

static bool woke;

static void *sleep_then_flag(void *arg)
{
    (void)arg;
    green_sleep_ms(20);
    woke = true;
    return NULL;
}

static void *yield_until_woke(void *arg)
{
    (void)arg;
    uint64_t limit = lc_now_ns() + (uint64_t)lc_ms(10000) * 1000000u;
    while (!woke && lc_now_ns() < limit)
        green_yield();
    rec(woke);
    return NULL;
}

/* REQ: GREEN-015 */
static void sleeper_runs_while_others_yield(void **state)
{
    (void)state;
    spawn_ok(sleep_then_flag, NULL, 0);
    spawn_ok(yield_until_woke, NULL, 0);
    spawn_ok(yield_until_woke, NULL, 0);
    run_expect(0);
    if (!(trace_len == 2 && trace_buf[0] == 1 && trace_buf[1] == 1))
        fail_msg("a task slept 20 ms while two others kept yielding: it had not run again "
                 "after %ld ms (sleepers whose time has come must be moved to the run "
                 "queue even when it is never empty)",
                 lc_ms(10000));
}

/* GREEN-016: each task's wake-up time, as the task saw it just before
 * calling green_sleep_ms (index: task id). */
static uint64_t wake_at[4];

static void *sleep_units(void *arg)
{
    uint64_t ms = (uint64_t)N(arg) * (uint64_t)lc_ms(100);
    int id = green_self();
    if (id >= 1 && id <= 3)
        wake_at[id] = lc_now_ns() + ms * 1000000u;
    green_sleep_ms((unsigned)ms);
    rec(green_self());
    return NULL;
}

/* REQ: GREEN-016 */
static void sleepers_wake_in_time_order(void **state)
{
    (void)state;
    spawn_ok(sleep_units, P(3), 0); /* 1 */
    spawn_ok(sleep_units, P(1), 0); /* 2 */
    spawn_ok(sleep_units, P(2), 0); /* 3 */
    run_expect(0);
    /* The expected order follows the wake-up times the tasks computed:
     * 2, 3, 1 unless the machine held one task up for about a unit
     * between two switches. Times closer than 1 ms may come out either
     * way (the implementation reads the clock a moment after the task). */
    int ok = trace_len == 3;
    for (int i = 0; ok && i < 3; i++)
        ok = trace_buf[i] >= 1 && trace_buf[i] <= 3;
    for (int i = 0; ok && i + 1 < 3; i++)
        ok = wake_at[trace_buf[i]] <= wake_at[trace_buf[i + 1]] + 1000000u;
    if (!ok) {
        char got[64];
        trace_format(got, sizeof got, trace_buf, trace_len);
        uint64_t t0 = wake_at[1] < wake_at[2] ? wake_at[1] : wake_at[2];
        t0 = t0 < wake_at[3] ? t0 : wake_at[3];
        fail_msg("tasks 1, 2, 3 sleeping 3, 1 and 2 units of %ld ms, due to wake at +%.1f, "
                 "+%.1f and +%.1f ms (from the earliest), recorded their ids on waking in "
                 "the order %s: sleepers must wake in the order of their wake-up times",
                 lc_ms(100), (double)(wake_at[1] - t0) / 1e6, (double)(wake_at[2] - t0) / 1e6,
                 (double)(wake_at[3] - t0) / 1e6, got);
    }
}

/* GREEN-017: the only task sleeps lc_ms(1500); an OS thread, the sampler,
 * watches the main thread (which runs green_run) meanwhile. */
static atomic_bool long_sleep_over;
static int main_tid;
static int sampler_ok;
static char sampler_why[256];

static void *sleep_long(void *arg)
{
    (void)arg;
    green_sleep_ms((unsigned)lc_ms(1500));
    atomic_store(&long_sleep_over, true);
    return NULL;
}

static void *sample_main_thread(void *arg)
{
    (void)arg;
    /* First asleep (green_run may not have reached its idle wait yet),
     * and while the task still sleeps: after it, the main thread waits
     * in pthread_join, asleep whatever green_run did. */
    for (;;) {
        if (atomic_load(&long_sleep_over)) {
            snprintf(sampler_why, sizeof sampler_why,
                     "the thread running green_run was never seen asleep in the "
                     "%ld ms the task slept: it spins",
                     lc_ms(1500));
            return NULL;
        }
        char st = lc_thread_state(main_tid);
        if (st == 'S' || st == 'D')
            break;
        lc_sleep_ms(2);
    }
    sampler_ok = lc_stays_blocked(main_tid, 500, sampler_why, sizeof sampler_why);
    return NULL;
}

/* REQ: GREEN-017 */
static void idle_scheduler_sleeps(void **state)
{
    (void)state;
    spawn_ok(sleep_long, NULL, 0);
    main_tid = lc_tid();
    pthread_t sampler;
    int err = pthread_create(&sampler, NULL, sample_main_thread, NULL);
    if (err != 0)
        fail_msg("pthread_create: %s", strerror(err));
    run_expect(0);
    pthread_join(sampler, NULL);
    if (!sampler_ok)
        fail_msg("green_run with one task sleeping %ld ms: %s; with nothing to run, the "
                 "thread must sleep until the first wake-up time (clock_nanosleep, poll "
                 "with a timeout), not spin or poll the clock",
                 lc_ms(1500), sampler_why);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(sleep_lasts_at_least_ms),
    cmocka_unit_test(sleeper_runs_while_others_yield),
    cmocka_unit_test(sleepers_wake_in_time_order),
    cmocka_unit_test(idle_scheduler_sleeps),
)
/* clang-format on */
