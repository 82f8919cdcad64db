/* VARIANTS: asan tsan */
/* channel: what blocks, what does not, and that blocking costs no CPU.
 * "Blocks" is checked as "has not returned after lc_ms(200)", which only an
 * implementation that returns early fails; "does not block" as "returns
 * within 10 s (scaled)", which only one that waits for another thread
 * fails. */
#include "libcheck.h"

#include <pthread.h>
#include <time.h>

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
		fail_msg("chan_send on a full channel returned %d without waiting for room",
			 op.rc);
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
				 "message", op.rc);
		if (how == 0)
			assert_int_equal(chan_send(ch, MSG(42)), 0);
		else
			assert_int_equal(chan_try_send(ch, MSG(43)), 0);
		chanop_wait(&op, how == 0 ? "chan_send sent a message"
					  : "chan_try_send sent a message");
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
	lc_sleep_ms(lc_ms(100));
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
	lc_sleep_ms(lc_ms(100));
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

/* The CPU time thread t used during about lc_ms(1000) ms of wall time. */
static long cpu_ms_over_a_second(pthread_t t)
{
	clockid_t clk;
	int err = pthread_getcpuclockid(t, &clk);
	if (err != 0)
		fail_msg("pthread_getcpuclockid: %s", strerror(err));
	struct timespec a, b;
	clock_gettime(clk, &a);
	lc_sleep_ms(lc_ms(1000));
	clock_gettime(clk, &b);
	return (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L;
}

/* REQ: CHAN-010 */
static void blocked_threads_use_no_cpu(void **state)
{
	(void)state;
	struct chan *ch;
	assert_int_equal(chan_create(&ch, 1), 0);

	struct chanop op;
	chanop_start(&op, ch, OP_RECV, NULL);
	lc_sleep_ms(lc_ms(100));
	long ms = cpu_ms_over_a_second(op.thread);
	assert_int_equal(chan_send(ch, MSG(1)), 0);
	chanop_wait(&op, "a message was sent");
	if (ms >= 100)
		fail_msg("a thread blocked in chan_recv used %ld ms of CPU in %ld ms: it polls "
			 "instead of waiting on a condition variable", ms, lc_ms(1000));

	assert_int_equal(chan_send(ch, MSG(2)), 0);
	chanop_start(&op, ch, OP_SEND, MSG(3));
	lc_sleep_ms(lc_ms(100));
	ms = cpu_ms_over_a_second(op.thread);
	void *m;
	assert_int_equal(chan_recv(ch, &m), 0);
	chanop_wait(&op, "a receiver made room");
	if (ms >= 100)
		fail_msg("a thread blocked in chan_send used %ld ms of CPU in %ld ms: it polls "
			 "instead of waiting on a condition variable", ms, lc_ms(1000));
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
		fail_msg("chan_try_send on a full channel returned %d, expected -EAGAIN (%d)",
			 op.rc, -EAGAIN);
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
		fail_msg("chan_try_recv on an empty channel returned %d, expected -EAGAIN (%d)",
			 op.rc, -EAGAIN);
	if (op.got != (void *)(uintptr_t)0xdeadbeef)
		fail_msg("chan_try_recv returned -EAGAIN but wrote %p into *msg", op.got);
	assert_int_equal(chan_try_send(ch, MSG(9)), 0);
	void *m;
	assert_int_equal(chan_try_recv(ch, &m), 0);
	assert_ptr_equal(m, MSG(9));
	chan_destroy(ch);
}

LIBCHECK_MAIN(
	cmocka_unit_test(send_on_full_blocks_until_room),
	cmocka_unit_test(recv_on_empty_blocks_until_send),
	cmocka_unit_test(many_blocked_on_each_side_all_proceed),
	cmocka_unit_test(blocked_threads_use_no_cpu),
	cmocka_unit_test(try_send_on_full_returns_eagain),
	cmocka_unit_test(try_recv_on_empty_returns_eagain),
)
