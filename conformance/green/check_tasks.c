/* VARIANTS: asan */
/* green: spawning tasks, their ids, green_run, and what happens when a
 * task's function returns. One OS thread, so no tsan variant. */
#include "libcheck.h"

#include "green.h"
#include "gtrace.h"

#if defined(__SANITIZE_ADDRESS__)
#define LC_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LC_HAVE_ASAN 1
#endif
#endif
#ifndef LC_HAVE_ASAN
#define LC_HAVE_ASAN 0
#endif
#if LC_HAVE_ASAN
/* From <sanitizer/allocator_interface.h>, which not every compiler ships. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* ---- GREEN-001: ids ---- */

static int spawned_from_task[2];

static void *record_self(void *arg)
{
    (void)arg;
    rec(green_self());
    return NULL;
}

static void *spawner_of_two(void *arg)
{
    (void)arg;
    rec(green_self());
    spawned_from_task[0] = green_spawn(record_self, NULL, 0);
    (void)green_spawn(NULL, NULL, 0); /* fails: must use no id */
    spawned_from_task[1] = green_spawn(record_self, NULL, 0);
    return NULL;
}

/* REQ: GREEN-001 */
static void ids_count_from_one(void **state)
{
    (void)state;
    if (green_self() != 0)
        fail_msg("green_self() in the main code before green_run returned %d, expected 0",
                 green_self());
    int a = green_spawn(spawner_of_two, NULL, 0);
    int bad = green_spawn(NULL, NULL, 0);
    int b = green_spawn(record_self, NULL, 0);
    if (a != 1 || b != 2)
        fail_msg("the first two successful green_spawn calls returned %d and %d (a failed "
                 "one, returning %d, between them), expected 1 and 2",
                 a, b, bad);
    run_expect(0);
    if (spawned_from_task[0] != 3 || spawned_from_task[1] != 4)
        fail_msg("spawned from task 1: ids %d and %d (a failed spawn between), expected "
                 "3 and 4",
                 spawned_from_task[0], spawned_from_task[1]);
    /* Each task saw its own id. */
    TRACE_EXPECT("green_self() in tasks 1, 2, 3, 4", 1, 2, 3, 4);
    if (green_self() != 0)
        fail_msg("green_self() after green_run returned %d, expected 0", green_self());
    int c = green_spawn(record_self, NULL, 0);
    if (c != 5)
        fail_msg("green_spawn after green_run returned %d, expected 5 (ids are never "
                 "reused)",
                 c);
    run_expect(0);
}

/* ---- GREEN-002: argument checks ---- */

static int ran;

static void *count_run(void *arg)
{
    (void)arg;
    ran++;
    return NULL;
}

/* REQ: GREEN-002 */
static void spawn_checks_its_arguments(void **state)
{
    (void)state;
    struct {
        green_fn fn;
        size_t size;
        const char *what;
    } bad[] = {
        {NULL, 0, "fn NULL"},
        {count_run, 1, "stack size 1"},
        {count_run, GREEN_STACK_MIN - 1, "stack size GREEN_STACK_MIN - 1"},
        {count_run, GREEN_STACK_MAX + 1, "stack size GREEN_STACK_MAX + 1"},
        {count_run, SIZE_MAX, "stack size SIZE_MAX"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = green_spawn(bad[i].fn, NULL, bad[i].size);
        if (rc != -EINVAL)
            fail_msg("green_spawn with %s returned %d, expected -EINVAL (%d)", bad[i].what, rc,
                     -EINVAL);
    }
    run_expect(0);
    if (ran != 0)
        fail_msg("%d task(s) ran although every green_spawn was refused", ran);
    size_t good[] = {0, GREEN_STACK_MIN, GREEN_STACK_MIN + 100, 3 * GREEN_STACK_MIN + 1,
                     GREEN_STACK_MAX};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = green_spawn(count_run, NULL, good[i]);
        if (rc <= 0)
            fail_msg("green_spawn with stack size %zu returned %d, expected an id", good[i], rc);
    }
    run_expect(0);
    assert_int_equal(ran, 5);
}

/* ---- GREEN-003: tasks run only in green_run, once each ---- */

static struct {
    int calls;
    void *arg;
} seen[3];
static char objects[3][8];

static void *note_arg(void *arg)
{
    for (int i = 0; i < 3; i++) {
        if (arg == objects[i]) {
            seen[i].calls++;
            return NULL;
        }
    }
    rec(-1); /* an argument that is none of those given */
    return NULL;
}

/* REQ: GREEN-003 */
static void tasks_run_in_green_run_once(void **state)
{
    (void)state;
    run_expect(0); /* no task: returns at once */
    for (int i = 0; i < 3; i++)
        spawn_ok(note_arg, objects[i], 0);
    for (int i = 0; i < 3; i++)
        if (seen[i].calls != 0)
            fail_msg("task %d ran inside green_spawn, before green_run", i + 1);
    run_expect(0);
    if (trace_len != 0)
        fail_msg("a task got an argument other than the one given to green_spawn");
    for (int i = 0; i < 3; i++)
        if (seen[i].calls != 1)
            fail_msg("task %d's function was called %d times, expected once", i + 1, seen[i].calls);
    run_expect(0); /* nothing left: nothing runs twice */
    for (int i = 0; i < 3; i++)
        assert_int_equal(seen[i].calls, 1);
}

/* ---- GREEN-004: green_run runs tasks spawned by tasks ---- */

static void *tree(void *arg)
{
    int depth = N(arg);
    ran++;
    int children = depth == 0 ? 3 : depth == 1 ? 2 : 0;
    for (int i = 0; i < children; i++)
        if (green_spawn(tree, P(depth + 1), 0) <= 0)
            rec(-1);
    return NULL;
}

/* REQ: GREEN-004 */
static void run_runs_spawned_tasks_too(void **state)
{
    (void)state;
    spawn_ok(tree, P(0), 0);
    run_expect(0);
    if (trace_len)
        fail_msg("green_spawn failed inside a task");
    if (ran != 10)
        fail_msg("1 task spawning 3, each spawning 2: %d ran, expected 10", ran);
    /* Called again, it runs what was spawned since. */
    ran = 0;
    spawn_ok(tree, P(1), 0);
    spawn_ok(count_run, NULL, 0);
    run_expect(0);
    if (ran != 4)
        fail_msg("second green_run: %d tasks ran, expected 4", ran);
}

/* ---- GREEN-005: a task ends when its function returns ---- */

static void *return_arg(void *arg)
{
    rec(N(arg));
    return arg;
}

/* Bytes the program has allocated and not freed, where ASan counts them;
 * 0 elsewhere (LeakSanitizer is then the only judge). */
static size_t allocated_now(void)
{
#if LC_HAVE_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return 0;
#endif
}

/* REQ: GREEN-005 */
static void ended_tasks_are_freed(void **state)
{
    (void)state;
    /* 2000 tasks nobody joins: their records are freed by the time
     * green_run returns. LeakSanitizer checks at exit, but a record still
     * pointed to from a stale register copy or stack slot is "reachable"
     * to it, so the bytes allocated are compared as well: 2000 records of
     * even 16 bytes are 32000 bytes. */
    spawn_ok(return_arg, P(0), 0); /* whatever is set up once, set up */
    run_expect(0);
    trace_reset();
    size_t before = allocated_now();
    for (int i = 0; i < 2000; i++)
        spawn_ok(return_arg, P(i), 0);
    run_expect(0);
    size_t after = allocated_now();
    assert_int_equal(trace_len, 2000);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(trace_buf[i], i);
    if (after > before + 16384)
        fail_msg("2000 tasks ended without being joined, green_run returned, and %zu "
                 "more bytes are allocated than before they were spawned: their records "
                 "must be freed",
                 after - before);
}

/* ---- GREEN-006: stacks of ended tasks are released ---- */

#define CHAIN 3000

static int maps_early, maps_late, stacks_early, stacks_late;

static void *chain(void *arg)
{
    int i = N(arg);
    if (i == 100) {
        maps_early = count_maps();
        stacks_early = count_stacks();
    }
    if (i == CHAIN) {
        maps_late = count_maps();
        stacks_late = count_stacks();
        return NULL;
    }
    if (green_spawn(chain, P(i + 1), 0) <= 0)
        rec(-i);
    return NULL;
}

/* REQ: GREEN-006 */
/* TIMEOUT: 120 */
static void ended_stacks_are_released(void **state)
{
    (void)state;
    spawn_ok(chain, P(1), 0);
    run_expect(0);
    if (trace_len)
        fail_msg("green_spawn failed at link %d of the chain", -trace_buf[0]);
    if (stacks_early < 0 || stacks_late > stacks_early + 2)
        fail_msg("a chain of %d tasks, each spawning the next and ending: %d stacks "
                 "mapped (a guard page and the stack above it, in /proc/self/maps) at "
                 "task 100, %d at task %d - the stacks of ended tasks are kept",
                 CHAIN, stacks_early, stacks_late, CHAIN);
    /* Whatever an implementation maps, guard page or not. The sanitizer's
     * allocator maps more as it grows: hence the margin. */
    if (maps_late > maps_early + 10)
        fail_msg("a chain of %d tasks, each spawning the next and ending: %d mappings "
                 "at task 100, %d at task %d - the stacks of ended tasks are kept",
                 CHAIN, maps_early, maps_late, CHAIN);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(ids_count_from_one),
    cmocka_unit_test(spawn_checks_its_arguments),
    cmocka_unit_test(tasks_run_in_green_run_once),
    cmocka_unit_test(run_runs_spawned_tasks_too),
    cmocka_unit_test(ended_tasks_are_freed),
    cmocka_unit_test(ended_stacks_are_released),
)
/* clang-format on */
