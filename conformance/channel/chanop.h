/* chanop.h - one channel operation run in a thread of its own, so that a
 * check can see whether it blocks: start it, wait until its thread is
 * asleep inside the call (chanop_settle) and look a while later whether it
 * has returned (chanop_returns_early), make it able to proceed, then wait
 * for it (chanop_wait fails the test if it never returns).
 *
 * Shared by the check files of conformance/channel/; everything is static
 * inline so a file that uses only part of it compiles without warnings. */
#ifndef OSNET_CHECK_CHANOP_H
#define OSNET_CHECK_CHANOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "channel.h"
#include "libcheck.h"

enum chanop_kind { OP_SEND, OP_RECV, OP_TRY_SEND, OP_TRY_RECV };

struct chanop {
    struct chan *ch;
    enum chanop_kind kind;
    void *msg;      /* OP_SEND, OP_TRY_SEND: what is sent */
    void *got;      /* OP_RECV, OP_TRY_RECV: what was received */
    int rc;         /* the call's return value, once returned */
    atomic_int tid; /* the helper thread's id, once it runs */
    atomic_int returned; /* 1 once the call has returned */
    pthread_t thread;
};

static inline const char *chanop_name(enum chanop_kind k)
{
    static const char *names[] = {"chan_send", "chan_recv", "chan_try_send", "chan_try_recv"};
    return names[k];
}

static inline void *chanop_main(void *arg)
{
    struct chanop *op = arg;
    int rc = 0;
    /* Recorded before the call, so that once the check sees this thread
     * asleep, it is asleep inside the call (or done with it). */
    atomic_store(&op->tid, lc_tid());
    switch (op->kind) {
    case OP_SEND:
        rc = chan_send(op->ch, op->msg);
        break;
    case OP_RECV:
        rc = chan_recv(op->ch, &op->got);
        break;
    case OP_TRY_SEND:
        rc = chan_try_send(op->ch, op->msg);
        break;
    case OP_TRY_RECV:
        rc = chan_try_recv(op->ch, &op->got);
        break;
    }
    op->rc = rc;
    atomic_store(&op->returned, 1);
    return NULL;
}

/* Starts the operation in a new thread. */
static inline void chanop_start(struct chanop *op, struct chan *ch, enum chanop_kind kind,
                                void *msg)
{
    op->ch = ch;
    op->kind = kind;
    op->msg = msg;
    op->got = (void *)(uintptr_t)0xdeadbeef; /* what "nothing stored" looks like */
    op->rc = 1;
    atomic_store(&op->tid, 0);
    atomic_store(&op->returned, 0);
    int err = pthread_create(&op->thread, NULL, chanop_main, op);
    if (err != 0)
        fail_msg("pthread_create: %s", strerror(err));
}

/* Whether the operation has returned. */
static inline bool chanop_returned(struct chanop *op)
{
    return atomic_load(&op->returned);
}

/* Waits up to lc_ms(ms) for the operation to return; true if it did (and
 * the thread is joined), false if it is still blocked. */
static inline bool chanop_wait_for(struct chanop *op, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    while (!chanop_returned(op)) {
        if (lc_now_ns() > end)
            return false;
        lc_sleep_ms(1);
    }
    pthread_join(op->thread, NULL);
    return true;
}

/* Waits for the operation to return (10 s, scaled) and joins its thread;
 * fails the test, saying `why`, if it never does. */
static inline void chanop_wait(struct chanop *op, const char *why)
{
    if (!chanop_wait_for(op, 10000))
        fail_msg("%s has not returned %ld ms after %s", chanop_name(op->kind), lc_ms(10000), why);
}

/* Waits until the operation's thread is asleep inside the call, or the
 * call has returned (lc_await_asleep, up to lc_ms(5000)). Returns the
 * thread's id once it is asleep, 0 if the call returned (or the thread
 * never slept: it spins). */
static inline int chanop_settle(struct chanop *op)
{
    return lc_await_asleep(&op->tid, &op->returned, 5000);
}

/* Gives the operation time to block: once its thread is asleep in the
 * call, waits lc_ms(ms) more; true if it has returned by then. */
static inline bool chanop_returns_early(struct chanop *op, long ms)
{
    chanop_settle(op);
    lc_sleep_ms(lc_ms(ms));
    return chanop_returned(op);
}

/* A message that is just a number. */
#define MSG(n) ((void *)(uintptr_t)(n))
#define NUM(p) ((uintptr_t)(p))

#endif
