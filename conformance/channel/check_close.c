/* VARIANTS: asan tsan */
/* channel: close - no more sends, receivers drain then see -EPIPE, every
 * blocked thread is woken. */
#include "libcheck.h"

#include <pthread.h>

#include "channel.h"
#include "chanop.h"

/* A channel of capacity 3 holding `fill` messages 1..fill, then closed. */
static struct chan *closed_with(int fill)
{
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 3), 0);
    for (int i = 1; i <= fill; i++)
        assert_int_equal(chan_send(ch, MSG(i)), 0);
    assert_int_equal(chan_close(ch), 0);
    return ch;
}

/* REQ: CHAN-013 */
static void send_after_close_is_epipe(void **state)
{
    (void)state;
    for (int fill = 0; fill <= 3; fill++) {
        struct chan *ch = closed_with(fill);
        int rc = chan_send(ch, MSG(100));
        if (rc != -EPIPE)
            fail_msg("chan_send on a closed channel holding %d of 3 returned %d, expected "
                     "-EPIPE (%d)",
                     fill, rc, -EPIPE);
        rc = chan_try_send(ch, MSG(101));
        if (rc != -EPIPE)
            fail_msg("chan_try_send on a closed channel holding %d of 3 returned %d, "
                     "expected -EPIPE (%d)",
                     fill, rc, -EPIPE);
        /* Nothing was added: exactly the fill comes out. */
        void *m;
        for (int i = 1; i <= fill; i++) {
            assert_int_equal(chan_recv(ch, &m), 0);
            if (m == MSG(100) || m == MSG(101))
                fail_msg("a message sent after chan_close was received");
        }
        rc = chan_try_recv(ch, &m);
        if (rc == 0)
            fail_msg("received %p, a message sent after chan_close", m);
        chan_destroy(ch);
    }
}

/* REQ: CHAN-014 */
static void receivers_drain_then_epipe(void **state)
{
    (void)state;
    for (int fill = 0; fill <= 3; fill++) {
        for (int use_try = 0; use_try < 2; use_try++) {
            struct chan *ch = closed_with(fill);
            void *m;
            for (int i = 1; i <= fill; i++) {
                int rc = use_try ? chan_try_recv(ch, &m) : chan_recv(ch, &m);
                if (rc != 0)
                    fail_msg("%s of buffered message %d of %d after chan_close "
                             "returned %d: buffered messages must still be delivered",
                             use_try ? "chan_try_recv" : "chan_recv", i, fill, rc);
                assert_ptr_equal(m, MSG(i));
            }
            for (int again = 0; again < 3; again++) {
                m = MSG(77);
                int rc = use_try ? chan_try_recv(ch, &m) : chan_recv(ch, &m);
                if (rc != -EPIPE)
                    fail_msg("%s on a closed, drained channel returned %d, expected "
                             "-EPIPE (%d)",
                             use_try ? "chan_try_recv" : "chan_recv", rc, -EPIPE);
                assert_ptr_equal(m, MSG(77));
            }
            chan_destroy(ch);
        }
    }
}

/* REQ: CHAN-015 */
static void close_wakes_blocked_receivers(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    struct chanop ops[4];
    for (int i = 0; i < 4; i++)
        chanop_start(&ops[i], ch, OP_RECV, NULL);
    for (int i = 0; i < 4; i++)
        if (chanop_returns_early(&ops[i], i == 0 ? 200 : 0))
            fail_msg("chan_recv on an empty channel returned %d before anything was sent",
                     ops[i].rc);
    assert_int_equal(chan_close(ch), 0);
    for (int i = 0; i < 4; i++) {
        chanop_wait(&ops[i], "chan_close (4 receivers were blocked)");
        if (ops[i].rc != -EPIPE)
            fail_msg("a receiver blocked when the channel was closed got %d, expected "
                     "-EPIPE (%d)",
                     ops[i].rc, -EPIPE);
    }
    chan_destroy(ch);
}

/* REQ: CHAN-015 */
static void close_wakes_blocked_senders(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    assert_int_equal(chan_send(ch, MSG(1)), 0);
    assert_int_equal(chan_send(ch, MSG(2)), 0);
    struct chanop ops[4];
    for (int i = 0; i < 4; i++)
        chanop_start(&ops[i], ch, OP_SEND, MSG(10 + i));
    for (int i = 0; i < 4; i++)
        if (chanop_returns_early(&ops[i], i == 0 ? 200 : 0))
            fail_msg("chan_send on a full channel returned %d without room", ops[i].rc);
    assert_int_equal(chan_close(ch), 0);
    for (int i = 0; i < 4; i++) {
        chanop_wait(&ops[i], "chan_close (4 senders were blocked)");
        if (ops[i].rc != -EPIPE)
            fail_msg("a sender blocked when the channel was closed got %d, expected "
                     "-EPIPE (%d)",
                     ops[i].rc, -EPIPE);
    }
    /* Their messages were not added: the two buffered ones, then -EPIPE. */
    void *m;
    assert_int_equal(chan_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(1));
    assert_int_equal(chan_recv(ch, &m), 0);
    assert_ptr_equal(m, MSG(2));
    int rc = chan_recv(ch, &m);
    if (rc != -EPIPE)
        fail_msg("after the 2 buffered messages chan_recv returned %d (message %p), "
                 "expected -EPIPE: a woken sender added its message",
                 rc, rc == 0 ? m : NULL);
    chan_destroy(ch);
}

/* REQ: CHAN-016 */
static void second_close_is_epipe(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 1), 0);
    assert_int_equal(chan_close(ch), 0);
    int rc = chan_close(ch);
    if (rc != -EPIPE)
        fail_msg("the second chan_close returned %d, expected -EPIPE (%d)", rc, -EPIPE);
    assert_int_equal(chan_close(ch), -EPIPE);
    assert_int_equal(chan_try_send(ch, MSG(1)), -EPIPE);
    void *m;
    assert_int_equal(chan_try_recv(ch, &m), -EPIPE);
    chan_destroy(ch);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(send_after_close_is_epipe),
    cmocka_unit_test(receivers_drain_then_epipe),
    cmocka_unit_test(close_wakes_blocked_receivers),
    cmocka_unit_test(close_wakes_blocked_senders),
    cmocka_unit_test(second_close_is_epipe),
)
/* clang-format on */
