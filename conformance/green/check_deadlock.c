/* VARIANTS: asan */
/* green: green_run tells "everyone waits for everyone" (-EDEADLK) from
 * "someone waits for a timer", and a deadlock can be undone. */
#include "libcheck.h"

#include "green.h"
#include "gtrace.h"

static struct gchan *a, *b;

static void *recv_a(void *arg)
{
    (void)arg;
    void *m = P(-7);
    int rc = gchan_recv(a, &m);
    rec(rc == 0 ? N(m) : -1000 + rc);
    return NULL;
}

static void *send_b(void *arg)
{
    int rc = gchan_send(b, arg);
    rec(rc == 0 ? 200 : -2000 + rc);
    return NULL;
}

/* REQ: GREEN-018 */
static void blocked_receiver_is_a_deadlock(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&a, 1), 0);
    spawn_ok(recv_a, NULL, 0);
    int rc = green_run();
    if (rc != -EDEADLK)
        fail_msg("the only task parked in gchan_recv on a channel nobody sends on: "
                 "green_run returned %d, expected -EDEADLK (%d)",
                 rc, -EDEADLK);
    /* Undo it (GREEN-019 checks this part), so that nothing is left. */
    gchan_close(a);
    green_run();
    gchan_destroy(a);
}

/* REQ: GREEN-018 */
static void blocked_sender_is_a_deadlock(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&b, 1), 0);
    assert_int_equal(gchan_try_send(b, P(1)), 0);
    spawn_ok(send_b, P(2), 0);
    int rc = green_run();
    if (rc != -EDEADLK)
        fail_msg("the only task parked in gchan_send on a full channel: green_run "
                 "returned %d, expected -EDEADLK (%d)",
                 rc, -EDEADLK);
    gchan_close(b);
    green_run();
    gchan_destroy(b);
}

static int other;

static void *join_other(void *arg)
{
    (void)arg;
    rec(green_join(other, NULL));
    return NULL;
}

static void *join_first(void *arg)
{
    rec(green_join(N(arg), NULL));
    return NULL;
}

/* REQ: GREEN-018 */
static void tasks_joining_each_other_deadlock(void **state)
{
    (void)state;
    int first = spawn_ok(join_other, NULL, 0);
    other = spawn_ok(join_first, P(first), 0);
    int rc = green_run();
    if (rc != -EDEADLK)
        fail_msg("tasks 1 and 2 joining each other: green_run returned %d, expected "
                 "-EDEADLK (%d)",
                 rc, -EDEADLK);
    if (trace_len != 0)
        fail_msg("a green_join of two tasks joining each other returned %d", trace_buf[0]);
    /* The two stay parked for good: nothing can wake them. */
}

static void *sleep_then_send(void *arg)
{
    (void)arg;
    green_sleep_ms(30);
    int rc = gchan_send(a, P(33));
    rec(rc == 0 ? 300 : -3000 + rc);
    return NULL;
}

/* REQ: GREEN-018 */
static void sleeper_is_no_deadlock(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&a, 1), 0);
    spawn_ok(recv_a, NULL, 0);          /* parks: only the sleeper can wake it */
    spawn_ok(sleep_then_send, NULL, 0); /* sleeps 30 ms, then sends 33 */
    int rc = green_run();
    if (rc != 0)
        fail_msg("a task parked in gchan_recv while another sleeps, then sends: "
                 "green_run returned %d, expected 0 (a sleeping task will run again: no "
                 "deadlock)",
                 rc);
    TRACE_EXPECT("the sender's record, then what the receiver got", 300, 33);
    gchan_destroy(a);
}

/* REQ: GREEN-019 */
static void deadlock_can_be_undone(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&a, 1), 0);
    assert_int_equal(gchan_create(&b, 1), 0);
    assert_int_equal(gchan_try_send(b, P(1)), 0);
    spawn_ok(recv_a, NULL, 0); /* 1: parks on empty a */
    spawn_ok(send_b, P(2), 0); /* 2: parks on full b */
    run_expect(-EDEADLK);
    assert_int_equal(trace_len, 0);

    /* The main code gives task 1 its message: it resumes in gchan_recv. */
    assert_int_equal(gchan_try_send(a, P(55)), 0);
    int rc = green_run();
    if (rc != -EDEADLK)
        fail_msg("after -EDEADLK, a message for task 1 (task 2 still parked): the second "
                 "green_run returned %d, expected -EDEADLK again",
                 rc);
    TRACE_EXPECT("task 1 resumed by a gchan_try_send from the main code", 55);

    /* Room for task 2: it resumes in gchan_send, and everything ends. */
    void *m;
    assert_int_equal(gchan_try_recv(b, &m), 0);
    assert_ptr_equal(m, P(1));
    run_expect(0);
    TRACE_EXPECT("then task 2 resumed by a gchan_try_recv from the main code", 55, 200);
    assert_int_equal(gchan_try_recv(b, &m), 0);
    assert_ptr_equal(m, P(2));

    /* The same with gchan_close: the receiver wakes with -EPIPE. */
    trace_reset();
    spawn_ok(recv_a, NULL, 0);
    run_expect(-EDEADLK);
    assert_int_equal(gchan_close(a), 0);
    run_expect(0);
    TRACE_EXPECT("a receiver resumed by gchan_close (-1000 + -EPIPE)", -1000 - EPIPE);
    gchan_destroy(a);
    gchan_destroy(b);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(blocked_receiver_is_a_deadlock),
    cmocka_unit_test(blocked_sender_is_a_deadlock),
    cmocka_unit_test(tasks_joining_each_other_deadlock),
    cmocka_unit_test(sleeper_is_no_deadlock),
    cmocka_unit_test(deadlock_can_be_undone),
)
/* clang-format on */
