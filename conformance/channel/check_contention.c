/* VARIANTS: asan tsan */
/* channel: many producers and consumers at once - every message exactly
 * once, nobody left asleep, no data race. */
#include "libcheck.h"

#include <pthread.h>

#include "channel.h"
#include "chanop.h"

#define MAXT 16

struct stress {
    struct chan *ch;
    long per;             /* messages per producer */
    atomic_int next;      /* producer numbers */
    atomic_uchar *seen;   /* receipts per message id */
    atomic_long received; /* progress, watched by the main thread */
    bool try_mix;         /* some sends and receives through the try variants */
};

static void *stress_produce(void *arg)
{
    struct stress *s = arg;
    long p = atomic_fetch_add(&s->next, 1);
    for (long i = 0; i < s->per; i++) {
        void *msg = MSG(p * s->per + i);
        int rc;
        if (s->try_mix && i % 3 == 0) {
            while ((rc = chan_try_send(s->ch, msg)) == -EAGAIN)
                sched_yield();
        } else {
            rc = chan_send(s->ch, msg);
        }
        if (rc != 0) {
            fprintf(stderr,
                    "producer %ld: send of message %ld returned %d on the open "
                    "channel\n",
                    p, i, rc);
            break;
        }
    }
    return NULL;
}

static void *stress_consume(void *arg)
{
    struct stress *s = arg;
    for (long k = 0;; k++) {
        void *msg;
        int rc;
        if (s->try_mix && k % 4 == 0) {
            rc = chan_try_recv(s->ch, &msg);
            if (rc == -EAGAIN) {
                sched_yield();
                continue;
            }
        } else {
            rc = chan_recv(s->ch, &msg);
        }
        if (rc != 0)
            break;
        atomic_fetch_add_explicit(&s->seen[NUM(msg)], 1, memory_order_relaxed);
        atomic_fetch_add(&s->received, 1);
    }
    return NULL;
}

/* Runs P producers and C consumers over a channel of capacity cap until
 * `total` messages went through, then checks each arrived exactly once.
 * The main thread watches progress: no message received for 10 s (scaled)
 * while some are still due means threads wait for a wakeup that never
 * comes, which the test reports instead of hanging until its timeout. */
static void stress(int producers, int consumers, size_t cap, long total, bool try_mix)
{
    struct stress s = {.per = total / producers, .try_mix = try_mix};
    long n = s.per * producers;
    atomic_init(&s.next, 0);
    atomic_init(&s.received, 0);
    s.seen = calloc((size_t)n, sizeof(s.seen[0]));
    assert_non_null(s.seen);
    assert_int_equal(chan_create(&s.ch, cap), 0);
    pthread_t pt[MAXT], ct[MAXT];
    for (int c = 0; c < consumers; c++)
        assert_int_equal(pthread_create(&ct[c], NULL, stress_consume, &s), 0);
    for (int p = 0; p < producers; p++)
        assert_int_equal(pthread_create(&pt[p], NULL, stress_produce, &s), 0);

    long last = -1;
    uint64_t last_change = lc_now_ns();
    for (;;) {
        long now = atomic_load(&s.received);
        if (now >= n)
            break;
        if (now != last) {
            last = now;
            last_change = lc_now_ns();
        } else if (lc_now_ns() - last_change > (uint64_t)lc_ms(10000) * 1000000u) {
            fail_msg("%d producers, %d consumers, capacity %zu%s: stuck at %ld of %ld "
                     "messages received, nothing for %ld ms (threads waiting for a "
                     "wakeup that never came?)",
                     producers, consumers, cap, try_mix ? " (with try variants)" : "", now, n,
                     lc_ms(10000));
        }
        lc_sleep_ms(20);
    }
    for (int p = 0; p < producers; p++)
        pthread_join(pt[p], NULL);
    assert_int_equal(chan_close(s.ch), 0);
    for (int c = 0; c < consumers; c++)
        pthread_join(ct[c], NULL);
    chan_destroy(s.ch);

    long lost = 0, twice = 0;
    for (long i = 0; i < n; i++) {
        unsigned v = atomic_load(&s.seen[i]);
        if (v == 0 && lost++ == 0)
            fprintf(stderr, "message %ld never received\n", i);
        if (v > 1 && twice++ == 0)
            fprintf(stderr, "message %ld received %u times\n", i, v);
    }
    free(s.seen);
    if (lost || twice)
        fail_msg("%d producers, %d consumers, capacity %zu: of %ld messages %ld lost, "
                 "%ld received more than once",
                 producers, consumers, cap, n, lost, twice);
}

/* REQ: CHAN-007 */
/* TIMEOUT: 180 */
static void every_message_once_4x4_capacity_1(void **state)
{
    (void)state;
    stress(4, 4, 1, lc_scale(200000), false);
}

/* REQ: CHAN-007 */
/* TIMEOUT: 180 */
static void every_message_once_8x2_capacity_1(void **state)
{
    (void)state;
    stress(8, 2, 1, lc_scale(200000), false);
}

/* REQ: CHAN-007 */
/* TIMEOUT: 180 */
static void every_message_once_3x5_capacity_64(void **state)
{
    (void)state;
    stress(3, 5, 64, lc_scale(400000), false);
}

/* REQ: CHAN-007 CHAN-019 */
/* TIMEOUT: 180 */
static void try_variants_mixed_in(void **state)
{
    (void)state;
    stress(3, 3, 2, lc_scale(100000), true);
}

/* Pollers: try_recv in a loop until the channel is closed and drained. */
static void *poll_until_closed(void *arg)
{
    struct stress *s = arg;
    for (;;) {
        void *msg;
        int rc = chan_try_recv(s->ch, &msg);
        if (rc == -EPIPE)
            break;
        if (rc == 0) {
            atomic_fetch_add_explicit(&s->seen[NUM(msg)], 1, memory_order_relaxed);
            atomic_fetch_add(&s->received, 1);
        } else {
            sched_yield();
        }
    }
    return NULL;
}

/* REQ: CHAN-019 */
/* TIMEOUT: 120 */
static void try_recv_races_with_send_and_close(void **state)
{
    (void)state;
    /* Two threads only poll, one blocks in chan_recv, two send; the main
     * thread closes while the pollers run. Under ThreadSanitizer any
     * field read outside the lock is reported. */
    struct stress s = {.per = lc_scale(20000)};
    long n = 2 * s.per;
    atomic_init(&s.next, 0);
    atomic_init(&s.received, 0);
    s.seen = calloc((size_t)n, sizeof(s.seen[0]));
    assert_non_null(s.seen);
    assert_int_equal(chan_create(&s.ch, 4), 0);
    pthread_t t[5];
    assert_int_equal(pthread_create(&t[0], NULL, poll_until_closed, &s), 0);
    assert_int_equal(pthread_create(&t[1], NULL, poll_until_closed, &s), 0);
    assert_int_equal(pthread_create(&t[2], NULL, stress_consume, &s), 0);
    assert_int_equal(pthread_create(&t[3], NULL, stress_produce, &s), 0);
    assert_int_equal(pthread_create(&t[4], NULL, stress_produce, &s), 0);
    pthread_join(t[3], NULL);
    pthread_join(t[4], NULL);
    assert_int_equal(chan_close(s.ch), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    chan_destroy(s.ch);
    long once = 0;
    for (long i = 0; i < n; i++)
        once += atomic_load(&s.seen[i]) == 1;
    free(s.seen);
    if (once != n)
        fail_msg("%ld of %ld messages received exactly once", once, n);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(every_message_once_4x4_capacity_1),
    cmocka_unit_test(every_message_once_8x2_capacity_1),
    cmocka_unit_test(every_message_once_3x5_capacity_64),
    cmocka_unit_test(try_variants_mixed_in),
    cmocka_unit_test(try_recv_races_with_send_and_close),
)
/* clang-format on */
