/* VARIANTS: asan tsan */
/* channel: messages come out in the order they went in. */
#include "libcheck.h"

#include <pthread.h>

#include "channel.h"
#include "chanop.h"

/* The i-th message of the single-producer checks: 0 (NULL) first, then
 * numbers, with the all-ones pointer at i == 1. */
static void *nth(uintptr_t i)
{
    return i == 1 ? (void *)UINTPTR_MAX : MSG(i);
}

/* REQ: CHAN-005 */
static void fifo_in_one_thread(void **state)
{
    (void)state;
    /* Capacity 3, sending two and receiving one at a time then draining:
     * the ring wraps around many times, at every fill level. */
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 3), 0);
    uintptr_t sent = 0, got = 0;
    for (int round = 0; round < 100; round++) {
        for (int k = 0; k < 2; k++) {
            int rc = chan_try_send(ch, nth(sent));
            if (rc == -EAGAIN)
                break;
            assert_int_equal(rc, 0);
            sent++;
        }
        int take = round % 5 == 4 ? 3 : 1;
        for (int k = 0; k < take; k++) {
            void *m;
            if (chan_try_recv(ch, &m) != 0)
                break;
            if (m != nth(got))
                fail_msg("receive %lu: got %p, expected %p (messages out of order)",
                         (unsigned long)got, m, nth(got));
            got++;
        }
    }
    void *m;
    while (chan_try_recv(ch, &m) == 0) {
        if (m != nth(got))
            fail_msg("receive %lu: got %p, expected %p", (unsigned long)got, m, nth(got));
        got++;
    }
    assert_int_equal(got, sent);
    chan_destroy(ch);
}

struct producer {
    struct chan *ch;
    uintptr_t n;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uintptr_t i = 0; i < p->n; i++)
        if (chan_send(p->ch, nth(i)) != 0)
            break;
    return NULL;
}

/* REQ: CHAN-005 */
static void fifo_between_two_threads(void **state)
{
    (void)state;
    size_t caps[] = {1, 3, 100};
    uintptr_t n = (uintptr_t)lc_scale(100000);
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        struct chan *ch;
        assert_int_equal(chan_create(&ch, caps[c]), 0);
        struct producer p = {ch, n};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
        for (uintptr_t i = 0; i < n; i++) {
            void *m;
            int rc = chan_recv(ch, &m);
            if (rc != 0)
                fail_msg("capacity %zu: chan_recv %lu returned %d", caps[c], (unsigned long)i, rc);
            if (m != nth(i))
                fail_msg("capacity %zu: receive %lu got %p, expected %p", caps[c], (unsigned long)i,
                         m, nth(i));
        }
        pthread_join(t, NULL);
        chan_destroy(ch);
    }
}

/* ---- several producers, several consumers ---- */

#define MAXP 8

struct mix {
    struct chan *ch;
    int producers;
    uintptr_t per;        /* messages per producer */
    atomic_int next_id;   /* hands out producer / consumer numbers */
    atomic_long disorder; /* receipts out of their producer's order */
    atomic_long received;
};

/* A message: producer number in the top bits, sequence number below. */
#define SEQ_BITS  40
#define ENC(p, i) MSG(((uintptr_t)(p) << SEQ_BITS) | (i))

static void *mix_produce(void *arg)
{
    struct mix *m = arg;
    int id = atomic_fetch_add(&m->next_id, 1);
    for (uintptr_t i = 0; i < m->per; i++)
        if (chan_send(m->ch, ENC(id, i)) != 0)
            break;
    return NULL;
}

static void *mix_consume(void *arg)
{
    struct mix *m = arg;
    long last[MAXP];
    for (int p = 0; p < MAXP; p++)
        last[p] = -1;
    void *msg;
    while (chan_recv(m->ch, &msg) == 0) {
        int p = (int)(NUM(msg) >> SEQ_BITS);
        long i = (long)(NUM(msg) & (((uintptr_t)1 << SEQ_BITS) - 1));
        if (p < MAXP) {
            if (i <= last[p]) {
                if (atomic_fetch_add(&m->disorder, 1) == 0)
                    fprintf(stderr,
                            "a consumer got producer %d's message %ld after "
                            "its message %ld\n",
                            p, i, last[p]);
            }
            last[p] = i;
        }
        atomic_fetch_add(&m->received, 1);
    }
    return NULL;
}

static void run_mix(int producers, int consumers, size_t cap, long total)
{
    struct mix m = {.producers = producers, .per = (uintptr_t)(total / producers)};
    atomic_init(&m.next_id, 0);
    atomic_init(&m.disorder, 0);
    atomic_init(&m.received, 0);
    assert_int_equal(chan_create(&m.ch, cap), 0);
    pthread_t pt[MAXP], ct[MAXP];
    for (int c = 0; c < consumers; c++)
        assert_int_equal(pthread_create(&ct[c], NULL, mix_consume, &m), 0);
    for (int p = 0; p < producers; p++)
        assert_int_equal(pthread_create(&pt[p], NULL, mix_produce, &m), 0);
    for (int p = 0; p < producers; p++)
        pthread_join(pt[p], NULL);
    assert_int_equal(chan_close(m.ch), 0);
    for (int c = 0; c < consumers; c++)
        pthread_join(ct[c], NULL);
    chan_destroy(m.ch);
    long bad = atomic_load(&m.disorder);
    if (bad != 0)
        fail_msg("%d producers, %d consumers, capacity %zu: %ld messages came to a "
                 "consumer before an earlier message of the same producer",
                 producers, consumers, cap, bad);
    assert_int_equal(atomic_load(&m.received), (long)m.per * producers);
}

/* REQ: CHAN-006 */
static void fifo_per_producer_under_contention(void **state)
{
    (void)state;
    run_mix(4, 4, 1, lc_scale(100000));
    run_mix(4, 4, 16, lc_scale(200000));
    run_mix(2, 6, 64, lc_scale(200000));
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(fifo_in_one_thread),
    cmocka_unit_test(fifo_between_two_threads),
    cmocka_unit_test(fifo_per_producer_under_contention),
)
/* clang-format on */
