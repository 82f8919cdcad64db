/* VARIANTS: asan */
/* green: green_sleep_ms - long enough, others run meanwhile, wake-up order,
 * no busy waiting. Only lower bounds on time are checked ("no sooner
 * than"); an upper bound shows only as a test that does not finish. */
#include "libcheck.h"

#include <stdbool.h>
#include <time.h>

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
			fail_msg("green_sleep_ms(%u) returned after %.3f ms", ms[i],
				 (double)slept_ns[i] / 1e6);
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
			 "queue even when it is never empty)", lc_ms(10000));
}

static void *sleep_units(void *arg)
{
	green_sleep_ms((unsigned)(N(arg) * lc_ms(100)));
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
	TRACE_EXPECT("tasks 1, 2, 3 sleeping 3, 1 and 2 units, recording their id on waking",
		     2, 3, 1);
}

static void *sleep_a_second(void *arg)
{
	(void)arg;
	green_sleep_ms((unsigned)lc_ms(1000));
	return NULL;
}

static long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* REQ: GREEN-017 */
static void idle_scheduler_sleeps(void **state)
{
	(void)state;
	spawn_ok(sleep_a_second, NULL, 0);
	long c0 = cpu_ms();
	uint64_t t0 = lc_now_ns();
	run_expect(0);
	long used = cpu_ms() - c0;
	long wall = (long)((lc_now_ns() - t0) / 1000000u);
	if (used >= 100)
		fail_msg("green_run with one task sleeping %ld ms used %ld ms of CPU in %ld ms: "
			 "with nothing to run, the thread must sleep (clock_nanosleep, poll with a "
			 "timeout), not spin", lc_ms(1000), used, wall);
}

LIBCHECK_MAIN(
	cmocka_unit_test(sleep_lasts_at_least_ms),
	cmocka_unit_test(sleeper_runs_while_others_yield),
	cmocka_unit_test(sleepers_wake_in_time_order),
	cmocka_unit_test(idle_scheduler_sleeps),
)
