/* VARIANTS: asan */
/* green: the round-robin order of the run queue - spawn, yield and wake
 * all go to the back. */
#include "libcheck.h"

#include "green.h"
#include "gtrace.h"

static void *yield_four_times(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        rec(green_self());
        int rc = green_yield();
        if (rc != 0)
            rec(-100 + rc);
    }
    return NULL;
}

/* REQ: GREEN-007 */
static void yield_is_round_robin(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        spawn_ok(yield_four_times, NULL, 0);
    run_expect(0);
    TRACE_EXPECT("three tasks recording their id then yielding, four times", 1, 2, 3, 1, 2, 3, 1, 2,
                 3, 1, 2, 3);
}

static void *record_once(void *arg)
{
    (void)arg;
    rec(green_self());
    return NULL;
}

static void *spawn_then_yield(void *arg)
{
    (void)arg;
    if (green_spawn(record_once, NULL, 0) != 3)
        rec(-1);
    rec(green_self());
    green_yield();
    rec(green_self());
    return NULL;
}

/* REQ: GREEN-008 */
static void spawned_task_goes_to_back(void **state)
{
    (void)state;
    spawn_ok(spawn_then_yield, NULL, 0); /* 1: spawns 3, records, yields, records */
    spawn_ok(record_once, NULL, 0);      /* 2 */
    run_expect(0);
    TRACE_EXPECT("task 1 spawns task 3 (task 2 queued), records, yields, records", 1, 2, 3, 1);
}

static void *yield_alone(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        rec(green_self());
        if (green_yield() != 0)
            rec(-1);
    }
    return NULL;
}

static void *sleep_zero_four_times(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        rec(green_self());
        if (green_sleep_ms(0) != 0)
            rec(-1);
    }
    return NULL;
}

/* REQ: GREEN-009 */
static void yield_alone_and_sleep_zero(void **state)
{
    (void)state;
    spawn_ok(yield_alone, NULL, 0);
    run_expect(0);
    TRACE_EXPECT("the only task yielding four times (each green_yield returns 0)", 1, 1, 1, 1);
    trace_reset();
    for (int i = 0; i < 3; i++)
        spawn_ok(sleep_zero_four_times, NULL, 0);
    run_expect(0);
    TRACE_EXPECT("three tasks recording their id then calling green_sleep_ms(0), four times", 2, 3,
                 4, 2, 3, 4, 2, 3, 4, 2, 3, 4);
}

/* ---- GREEN-010: a woken task goes to the back, the waker goes on ---- */

static int joined_id;

static void *joiner(void *arg)
{
    (void)arg;
    void *ret = NULL;
    if (green_join(joined_id, &ret) != 0)
        rec(-1);
    rec(1);
    return NULL;
}

static void *end_at_once(void *arg)
{
    (void)arg;
    rec(2);
    return NULL;
}

static void *record_yield_record(void *arg)
{
    rec(N(arg));
    green_yield();
    rec(N(arg));
    return NULL;
}

/* REQ: GREEN-010 */
static void woken_joiner_goes_to_back(void **state)
{
    (void)state;
    spawn_ok(joiner, NULL, 0);                  /* 1: joins 2 */
    joined_id = spawn_ok(end_at_once, NULL, 0); /* 2: ends, waking 1 */
    spawn_ok(record_yield_record, P(3), 0);     /* 3 */
    spawn_ok(record_yield_record, P(4), 0);     /* 4 */
    run_expect(0);
    TRACE_EXPECT("task 1 joins task 2, which ends (tasks 3 and 4 queued, each recording "
                 "twice around a yield)",
                 2, 3, 4, 1, 3, 4);
}

static struct gchan *ch;

static void *receiver(void *arg)
{
    (void)arg;
    void *m;
    if (gchan_recv(ch, &m) != 0)
        rec(-1);
    rec(1);
    return NULL;
}

static void *sender(void *arg)
{
    (void)arg;
    rec(2);
    if (gchan_send(ch, P(5)) != 0)
        rec(-2);
    rec(2);
    green_yield();
    rec(2);
    return NULL;
}

/* REQ: GREEN-010 */
static void woken_receiver_goes_to_back(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&ch, 1), 0);
    spawn_ok(receiver, NULL, 0);            /* 1: parks on the empty channel */
    spawn_ok(sender, NULL, 0);              /* 2: sends (wakes 1), records, yields */
    spawn_ok(record_yield_record, P(3), 0); /* 3 */
    run_expect(0);
    TRACE_EXPECT("task 1 parks in gchan_recv, task 2 records, sends, records, yields, "
                 "records (task 3 queued)",
                 2, 2, 3, 1, 2, 3);
    gchan_destroy(ch);
}

static void *blocked_sender(void *arg)
{
    (void)arg;
    if (gchan_send(ch, P(6)) != 0)
        rec(-1);
    rec(1);
    return NULL;
}

static void *taker(void *arg)
{
    (void)arg;
    void *m;
    rec(2);
    if (gchan_recv(ch, &m) != 0)
        rec(-2);
    rec(2);
    green_yield();
    rec(2);
    return NULL;
}

/* REQ: GREEN-010 */
static void woken_sender_goes_to_back(void **state)
{
    (void)state;
    assert_int_equal(gchan_create(&ch, 1), 0);
    assert_int_equal(gchan_try_send(ch, P(1)), 0); /* full */
    spawn_ok(blocked_sender, NULL, 0);             /* 1: parks on the full channel */
    spawn_ok(taker, NULL, 0);                      /* 2: receives (wakes 1) */
    spawn_ok(record_yield_record, P(3), 0);        /* 3 */
    run_expect(0);
    TRACE_EXPECT("task 1 parks in gchan_send, task 2 records, receives, records, yields, "
                 "records (task 3 queued)",
                 2, 2, 3, 1, 2, 3);
    void *m;
    assert_int_equal(gchan_try_recv(ch, &m), 0);
    assert_ptr_equal(m, P(6));
    gchan_destroy(ch);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(yield_is_round_robin),
    cmocka_unit_test(spawned_task_goes_to_back),
    cmocka_unit_test(yield_alone_and_sleep_zero),
    cmocka_unit_test(woken_joiner_goes_to_back),
    cmocka_unit_test(woken_receiver_goes_to_back),
    cmocka_unit_test(woken_sender_goes_to_back),
)
/* clang-format on */
