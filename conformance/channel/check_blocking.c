/* VARIANTS: asan tsan */
/* channel: what blocks, what does not, and that a blocked thread sleeps.
 * "Blocks" is checked as "its thread is asleep in the call, and it has not
 * returned lc_ms(200) later", which only an implementation that returns
 * early fails (a thread not yet scheduled is waited for, not taken for a
 * blocked one); "does not block" as "returns within 10 s (scaled)", which
 * only one that waits for another thread fails. */
#include "libcheck.h"

#include <pthread.h>

#include "channel.h"
#include "chanop.h"

/* REQ: CHAN-008 */
static void send_on_full_blocks_until_room(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    assert_int_equal(chan_send(ch, MSG(1)), 0);
    assert_int_equal(chan_send(ch, MSG(2)), 0);
    struct chanop op;
    chanop_start(&op, ch, OP_SEND, MSG(3));
    if (chanop_returns_early(&op, 200))
        fail_msg("chan_send on a full channel returned %d without waiting for room", op.rc);
    void *m;
    assert_int_equal(chan_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(1));
    chanop_wait(&op, "a receiver made room");
    if (op.rc != 0)
        fail_msg("the blocked chan_send returned %d once there was room, expected 0", op.rc);
    assert_int_equal(chan_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(2));
    assert_int_equal(chan_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(3));
    chan_destroy(ch);
}

/* REQ: CHAN-009 */
static void recv_on_empty_blocks_until_send(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 4), 0);
    for (int how = 0; how < 2; how++) {
        struct chanop op;
        chanop_start(&op, ch, OP_RECV, NULL);
        if (chanop_returns_early(&op, 200))
            fail_msg("chan_recv on an empty channel returned %d without waiting for a "
                     "message",
                     op.rc);
        if (how == 0)
            assert_int_equal(chan_send(ch, MSG(42)), 0);
        else
            assert_int_equal(chan_try_send(ch, MSG(43)), 0);
        chanop_wait(&op, how == 0 ? "chan_send sent a message" : "chan_try_send sent a message");
        assert_int_equal(op.rc, 0);
        assert_ptr_equal(op.got, MSG(42 + how));
    }
    chan_destroy(ch);
}

/* REQ: CHAN-008 CHAN-009 */
static void many_blocked_on_each_side_all_proceed(void **state)
{
    (void)state;
    /* Four receivers blocked on an empty channel, then four sends; then
     * four senders blocked on a full one, then four receives. */
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 1), 0);
    struct chanop ops[4];
    for (int i = 0; i < 4; i++)
        chanop_start(&ops[i], ch, OP_RECV, NULL);
    for (int i = 0; i < 4; i++)
        if (chanop_returns_early(&ops[i], 0))
            fail_msg("chan_recv on an empty channel returned %d before anything was sent",
                     ops[i].rc);
    for (int i = 0; i < 4; i++)
        assert_int_equal(chan_send(ch, MSG(10 + i)), 0);
    unsigned got = 0;
    for (int i = 0; i < 4; i++) {
        chanop_wait(&ops[i], "four messages were sent to four blocked receivers");
        assert_int_equal(ops[i].rc, 0);
        got |= 1u << (NUM(ops[i].got) - 10);
    }
    assert_int_equal(got, 0xf);

    assert_int_equal(chan_send(ch, MSG(0)), 0);
    for (int i = 0; i < 4; i++)
        chanop_start(&ops[i], ch, OP_SEND, MSG(20 + i));
    for (int i = 0; i < 4; i++)
        if (chanop_returns_early(&ops[i], 0))
            fail_msg("chan_send on a full channel returned %d without room", ops[i].rc);
    got = 0;
    for (int i = 0; i < 5; i++) {
        void *m;
        assert_int_equal(chan_recv(ch, &m), 0);
        if (i > 0)
            got |= 1u << (NUM(m) - 20);
    }
    assert_int_equal(got, 0xf);
    for (int i = 0; i < 4; i++) {
        chanop_wait(&ops[i], "four receives made room for four blocked senders");
        assert_int_equal(ops[i].rc, 0);
    }
    chan_destroy(ch);
}

/* Fails the test unless the operation's thread blocks without spinning
 * or polling: asleep in the call, and still asleep, without waking up
 * again and again, over lc_ms(1000) (lc_stays_blocked: a spinning thread
 * is runnable whenever it is looked at, however little CPU a busy machine
 * gives it; a loop of short sleeps goes to sleep hundreds of times). */
static void expect_sleeps_in(struct chanop *op)
{
    chanop_settle(op);
    if (chanop_returned(op))
        fail_msg("%s returned %d instead of blocking", chanop_name(op->kind), op->rc);
    char why[256];
    if (!lc_stays_blocked(atomic_load(&op->tid), 1000, why, sizeof why))
        fail_msg("a thread blocked in %s: %s; it must wait on a condition variable",
                 chanop_name(op->kind), why);
}

/* REQ: CHAN-010 */
static void blocked_threads_do_not_spin(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 1), 0);

    struct chanop op;
    chanop_start(&op, ch, OP_RECV, NULL);
    expect_sleeps_in(&op);
    assert_int_equal(chan_send(ch, MSG(1)), 0);
    chanop_wait(&op, "a message was sent");

    assert_int_equal(chan_send(ch, MSG(2)), 0);
    chanop_start(&op, ch, OP_SEND, MSG(3));
    expect_sleeps_in(&op);
    void *m;
    assert_int_equal(chan_recv(ch, &m), 0);
    chanop_wait(&op, "a receiver made room");
    chan_destroy(ch);
}

/* REQ: CHAN-011 */
static void try_send_on_full_returns_eagain(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    assert_int_equal(chan_try_send(ch, MSG(1)), 0);
    assert_int_equal(chan_try_send(ch, MSG(2)), 0);
    /* In a thread of its own, so that a try_send that blocks is reported
     * rather than hanging the test: nobody receives meanwhile. */
    struct chanop op;
    chanop_start(&op, ch, OP_TRY_SEND, MSG(3));
    if (!chanop_wait_for(&op, 10000))
        fail_msg("chan_try_send on a full channel blocked (still inside after %ld ms)",
                 lc_ms(10000));
    if (op.rc != -EAGAIN)
        fail_msg("chan_try_send on a full channel returned %d, expected -EAGAIN (%d)", op.rc,
                 -EAGAIN);
    void *m;
    assert_int_equal(chan_try_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(1));
    assert_int_equal(chan_try_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(2));
    if (chan_try_recv(ch, &m) != -EAGAIN)
        fail_msg("the message of the refused chan_try_send was added anyway");
    chan_destroy(ch);
}

/* REQ: CHAN-012 */
static void try_recv_on_empty_returns_eagain(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    struct chanop op;
    chanop_start(&op, ch, OP_TRY_RECV, NULL);
    if (!chanop_wait_for(&op, 10000))
        fail_msg("chan_try_recv on an empty channel blocked (still inside after %ld ms)",
                 lc_ms(10000));
    if (op.rc != -EAGAIN)
        fail_msg("chan_try_recv on an empty channel returned %d, expected -EAGAIN (%d)", op.rc,
                 -EAGAIN);
    if (op.got != (void *)(uintptr_t)0xdeadbeef)
        fail_msg("chan_try_recv returned -EAGAIN but wrote %p into *msg", op.got);
    assert_int_equal(chan_try_send(ch, MSG(9)), 0);
    void *m;
    assert_int_equal(chan_try_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(9));
    chan_destroy(ch);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(send_on_full_blocks_until_room),
    cmocka_unit_test(recv_on_empty_blocks_until_send),
    cmocka_unit_test(many_blocked_on_each_side_all_proceed),
    cmocka_unit_test(blocked_threads_do_not_spin),
    cmocka_unit_test(try_send_on_full_returns_eagain),
    cmocka_unit_test(try_recv_on_empty_returns_eagain),
)
/* clang-format on */
