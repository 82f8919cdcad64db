/* VARIANTS: asan */
/* green: green_join, and the calls only a task may make. */
#include "libcheck.h"

#include "green.h"
#include "gtrace.h"

static int target;

static void *slow_return(void *arg)
{
    for (int i = 0; i < 3; i++) {
        rec(2);
        green_yield();
    }
    return arg;
}

static void *join_target(void *arg)
{
    (void)arg;
    void *ret = NULL;
    int rc = green_join(target, &ret);
    rec(rc == 0 ? N(ret) : -1000 + rc);
    return NULL;
}

/* REQ: GREEN-011 */
static void join_waits_for_the_value(void **state)
{
    (void)state;
    spawn_ok(join_target, NULL, 0);           /* 1: joins 2 */
    target = spawn_ok(slow_return, P(42), 0); /* 2: yields 3 times, returns 42 */
    run_expect(0);
    TRACE_EXPECT("task 1 joins task 2, which records 2 and yields three times, then "
                 "returns 42 (task 1 records what join gave)",
                 2, 2, 2, 42);
}

static int ended;

static void *return_seven(void *arg)
{
    (void)arg;
    rec(7);
    return P(7);
}

static void *join_ended_later(void *arg)
{
    (void)arg;
    green_yield(); /* task 2 ends meanwhile */
    void *ret = NULL;
    int rc = green_join(ended, &ret);
    rec(rc == 0 ? N(ret) : -1000 + rc);
    return NULL;
}

static void *join_with_null_ret(void *arg)
{
    (void)arg;
    int rc = green_join(N(arg), NULL);
    rec(rc == 0 ? 9 : -1000 + rc);
    return NULL;
}

/* REQ: GREEN-011 */
static void join_of_an_ended_task(void **state)
{
    (void)state;
    spawn_ok(join_ended_later, NULL, 0);     /* 1 */
    ended = spawn_ok(return_seven, NULL, 0); /* 2: ends before 1 joins it */
    run_expect(0);
    TRACE_EXPECT("task 2 returns 7 and ends, then task 1 joins it", 7, 7);
    trace_reset();
    int t = spawn_ok(return_seven, NULL, 0);
    spawn_ok(join_with_null_ret, P(t), 0);
    run_expect(0);
    TRACE_EXPECT("green_join(id, NULL) of a task returning 7 (9: join returned 0)", 7, 9);
}

/* ---- GREEN-012 ---- */

static int joined_twice, waited_for;

static void *join_errors(void *arg)
{
    (void)arg;
    rec(green_join(green_self(), NULL)); /* -EDEADLK */
    rec(green_join(0, NULL));            /* -ESRCH */
    rec(green_join(-1, NULL));
    rec(green_join(9999, NULL));
    rec(green_join(joined_twice, NULL)); /* 0 */
    rec(green_join(joined_twice, NULL)); /* -ESRCH: already joined */
    return NULL;
}

static void *second_joiner(void *arg)
{
    (void)arg;
    green_yield();                     /* task 3 is waiting for task 5 by now */
    rec(green_join(waited_for, NULL)); /* -ESRCH */
    return NULL;
}

static void *first_joiner(void *arg)
{
    (void)arg;
    rec(100 + green_join(waited_for, NULL)); /* 100: 0 */
    return NULL;
}

static void *yield_twice(void *arg)
{
    (void)arg;
    green_yield();
    green_yield();
    green_yield();
    return NULL;
}

/* REQ: GREEN-012 */
static void join_errors_are_reported(void **state)
{
    (void)state;
    spawn_ok(join_errors, NULL, 0);                 /* 1 */
    joined_twice = spawn_ok(return_seven, NULL, 0); /* 2 */
    run_expect(0);
    TRACE_EXPECT("green_join of: itself (-EDEADLK), 0, -1, 9999 (-ESRCH), task 2 after it "
                 "recorded 7 (0), task 2 again (-ESRCH)",
                 -EDEADLK, -ESRCH, -ESRCH, -ESRCH, 7, 0, -ESRCH);
    trace_reset();
    spawn_ok(first_joiner, NULL, 0);             /* 3 */
    spawn_ok(second_joiner, NULL, 0);            /* 4 */
    waited_for = spawn_ok(yield_twice, NULL, 0); /* 5 */
    run_expect(0);
    TRACE_EXPECT("task 3 joins task 5, then task 4 tries too (-ESRCH); task 3's join "
                 "returns 0 (recorded as 100)",
                 -ESRCH, 100);
}

/* ---- GREEN-013: only tasks ---- */

static void *run_inside(void *arg)
{
    (void)arg;
    rec(green_run());
    return NULL;
}

/* REQ: GREEN-013 */
static void task_only_calls_are_eperm_outside(void **state)
{
    (void)state;
    struct gchan *ch;
    assert_int_equal(gchan_create(&ch, 1), 0);
    struct {
        const char *what;
        int rc;
    } calls[5];
    calls[0].what = "green_yield()";
    calls[0].rc = green_yield();
    calls[1].what = "green_sleep_ms(5)";
    calls[1].rc = green_sleep_ms(5);
    int t = spawn_ok(return_seven, NULL, 0);
    calls[2].what = "green_join(1, NULL)";
    calls[2].rc = green_join(t, NULL);
    calls[3].what = "gchan_send(ch, msg)";
    calls[3].rc = gchan_send(ch, P(1));
    void *m;
    calls[4].what = "gchan_recv(ch, &msg)";
    calls[4].rc = gchan_recv(ch, &m);
    for (int i = 0; i < 5; i++)
        if (calls[i].rc != -EPERM)
            fail_msg("%s in the main code (outside any task) returned %d, expected "
                     "-EPERM (%d)",
                     calls[i].what, calls[i].rc, -EPERM);
    run_expect(0);
    TRACE_EXPECT("task 1 records 7", 7);
    trace_reset();
    spawn_ok(run_inside, NULL, 0);
    run_expect(0);
    TRACE_EXPECT("green_run() called from a task", -EPERM);
    gchan_destroy(ch);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(join_waits_for_the_value),
    cmocka_unit_test(join_of_an_ended_task),
    cmocka_unit_test(join_errors_are_reported),
    cmocka_unit_test(task_only_calls_are_eperm_outside),
)
/* clang-format on */
