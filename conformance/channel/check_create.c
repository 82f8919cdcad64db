/* VARIANTS: asan tsan */
/* channel: creation, capacity, argument checks and destroy. */
#include "libcheck.h"

#include "channel.h"
#include "chanop.h"

/* REQ: CHAN-001 */
static void create_accepts_1_to_max(void **state)
{
    (void)state;
    size_t caps[] = {1, 2, 1000, CHAN_CAPACITY_MAX};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        struct chan *ch = NULL;
        int rc = chan_create(&ch, caps[i]);
        if (rc != 0)
            fail_msg("chan_create(&ch, %zu) returned %d, expected 0", caps[i], rc);
        assert_non_null(ch);
        void *msg = MSG(7);
        assert_int_equal(chan_try_recv(ch, &msg), -EAGAIN);
        assert_ptr_equal(msg, MSG(7));
        chan_destroy(ch);
    }
}

/* REQ: CHAN-001 */
static void create_refuses_bad_arguments(void **state)
{
    (void)state;
    struct chan *sentinel = (struct chan *)MSG(0x1234);
    struct chan *ch = sentinel;
    int rc = chan_create(&ch, 0);
    if (rc != -EINVAL)
        fail_msg("chan_create(&ch, 0) returned %d, expected -EINVAL (%d)", rc, -EINVAL);
    assert_ptr_equal(ch, sentinel);
    rc = chan_create(&ch, CHAN_CAPACITY_MAX + 1);
    if (rc != -EINVAL)
        fail_msg("chan_create(&ch, CHAN_CAPACITY_MAX + 1) returned %d, expected -EINVAL", rc);
    assert_ptr_equal(ch, sentinel);
    assert_int_equal(chan_create(NULL, 4), -EINVAL);
}

/* Fills an open channel with try_send until -EAGAIN: how many went in. */
static size_t fill(struct chan *ch, size_t limit)
{
    size_t n = 0;
    while (n < limit) {
        int rc = chan_try_send(ch, MSG(n));
        if (rc == -EAGAIN)
            break;
        if (rc != 0)
            fail_msg("chan_try_send on an open channel returned %d", rc);
        n++;
    }
    return n;
}

/* REQ: CHAN-002 */
static void holds_exactly_capacity(void **state)
{
    (void)state;
    size_t caps[] = {1, 2, 3, 7, 64};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        struct chan *ch;
        assert_int_equal(chan_create(&ch, caps[i]), 0);
        size_t n = fill(ch, caps[i] + 10);
        if (n != caps[i])
            fail_msg("capacity %zu: %zu chan_try_send calls succeeded before -EAGAIN", caps[i], n);
        void *msg;
        assert_int_equal(chan_try_recv(ch, &msg), 0);
        assert_int_equal(chan_try_send(ch, MSG(1000)), 0);
        int rc = chan_try_send(ch, MSG(1001));
        if (rc != -EAGAIN)
            fail_msg("capacity %zu: full again after one receive and one send, but "
                     "chan_try_send returned %d, expected -EAGAIN",
                     caps[i], rc);
        chan_destroy(ch);
    }
}

/* REQ: CHAN-002 */
static void blocking_send_blocks_after_capacity(void **state)
{
    (void)state;
    size_t caps[] = {1, 3};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        struct chan *ch;
        assert_int_equal(chan_create(&ch, caps[i]), 0);
        for (size_t k = 0; k < caps[i]; k++) {
            struct chanop op;
            chanop_start(&op, ch, OP_SEND, MSG(k));
            chanop_wait(&op, "being called on a channel with room");
            assert_int_equal(op.rc, 0);
        }
        struct chanop op;
        chanop_start(&op, ch, OP_SEND, MSG(99));
        if (chanop_returns_early(&op, 200))
            fail_msg("capacity %zu: chan_send of message %zu returned %d instead of "
                     "blocking on the full channel",
                     caps[i], caps[i] + 1, op.rc);
        void *msg;
        assert_int_equal(chan_recv(ch, &msg), 0);
        chanop_wait(&op, "a receiver took a message");
        chan_destroy(ch);
    }
}

/* REQ: CHAN-017 */
static void null_arguments_are_einval(void **state)
{
    (void)state;
    void *msg = MSG(5);
    assert_int_equal(chan_send(NULL, msg), -EINVAL);
    assert_int_equal(chan_try_send(NULL, msg), -EINVAL);
    assert_int_equal(chan_recv(NULL, &msg), -EINVAL);
    assert_int_equal(chan_try_recv(NULL, &msg), -EINVAL);
    assert_int_equal(chan_close(NULL), -EINVAL);
    chan_destroy(NULL);

    struct chan *ch;
    assert_int_equal(chan_create(&ch, 2), 0);
    assert_int_equal(chan_send(ch, MSG(1)), 0);
    int rc = chan_recv(ch, NULL);
    if (rc != -EINVAL)
        fail_msg("chan_recv(ch, NULL) returned %d, expected -EINVAL", rc);
    rc = chan_try_recv(ch, NULL);
    if (rc != -EINVAL)
        fail_msg("chan_try_recv(ch, NULL) returned %d, expected -EINVAL", rc);
    /* The message is still there: the NULL calls removed nothing. */
    assert_int_equal(chan_try_recv(ch, &msg), 0);
    assert_ptr_equal(msg, MSG(1));
    assert_int_equal(chan_try_recv(ch, &msg), -EAGAIN);
    chan_destroy(ch);
}

/* REQ: CHAN-018 */
static void destroy_frees_channel_not_messages(void **state)
{
    (void)state;
    /* Open and empty, open and full, closed with messages, closed and
     * drained: LeakSanitizer checks the channel's memory is freed. */
    for (int shape = 0; shape < 4; shape++) {
        struct chan *ch;
        assert_int_equal(chan_create(&ch, 4), 0);
        char *msgs[4] = {0};
        int n = shape == 0 ? 0 : shape == 1 ? 4 : shape == 2 ? 2 : 1;
        for (int i = 0; i < n; i++) {
            msgs[i] = malloc(32);
            assert_non_null(msgs[i]);
            strcpy(msgs[i], "a message the test owns");
            assert_int_equal(chan_send(ch, msgs[i]), 0);
        }
        if (shape >= 2)
            assert_int_equal(chan_close(ch), 0);
        if (shape == 3) {
            void *m;
            assert_int_equal(chan_recv(ch, &m), 0);
        }
        chan_destroy(ch);
        /* The messages are the test's: they are intact, and freeing
         * them here is no double free. */
        for (int i = 0; i < n; i++) {
            assert_string_equal(msgs[i], "a message the test owns");
            free(msgs[i]);
        }
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(create_accepts_1_to_max),
    cmocka_unit_test(create_refuses_bad_arguments),
    cmocka_unit_test(holds_exactly_capacity),
    cmocka_unit_test(blocking_send_blocks_after_capacity),
    cmocka_unit_test(null_arguments_are_einval),
    cmocka_unit_test(destroy_frees_channel_not_messages),
)
/* clang-format on */
