/* Shared, correct channel for the deliberately broken channels.
 *
 * This header is a whole, correct specs/channel.h implementation: one
 * mutex guards a ring buffer of `capacity` slots (allocated with the
 * channel, in chan_create), its count and the closed flag; senders wait on
 * the not_full condition, receivers on not_empty, always in a while loop;
 * a send signals not_empty, a receive signals not_full, and close
 * broadcasts both. Compiled alone (tools/osnet check channel --impl-src
 * with a .c that only includes it) it passes every check.
 *
 * Each broken channel is a .c file that includes this header and changes
 * one piece, marked BUG: either a hook macro defined before the #include
 * (the hooks below, each with its correct default), or a whole function:
 * defining BROKEN_CHAN_<NAME> leaves chan_<name> out of this header, and
 * the .c file writes its own.
 */
#ifndef OSNET_BROKEN_CHANNEL_COMMON_H
#define OSNET_BROKEN_CHANNEL_COMMON_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#include "channel.h"

/* Fields a broken channel adds to the struct (none in the correct one). */
#ifndef CHAN_EXTRA_FIELDS
#define CHAN_EXTRA_FIELDS
#endif

struct chan {
    pthread_mutex_t lock;
    pthread_cond_t not_full;
    pthread_cond_t not_empty;
    void **slots;  /* the ring: slots[(head + i) % nslots], i < count */
    size_t nslots; /* slots allocated (CHAN_SLOTS(capacity)) */
    size_t capacity;
    size_t head;
    size_t count;
    bool closed;
    CHAN_EXTRA_FIELDS
};

/* ---- hooks, each with its correct default ---- */

/* Capacities chan_create refuses. */
#ifndef CHAN_BAD_CAPACITY
#define CHAN_BAD_CAPACITY(c) ((c) == 0 || (c) > CHAN_CAPACITY_MAX)
#endif
/* Slots to allocate for a capacity. */
#ifndef CHAN_SLOTS
#define CHAN_SLOTS(c) (c)
#endif
/* Whether no message fits any more. */
#ifndef CHAN_FULL
#define CHAN_FULL(ch) ((ch)->count == (ch)->capacity)
#endif
/* The condition variable each side waits on. */
#ifndef CHAN_NOT_FULL
#define CHAN_NOT_FULL(ch) (&(ch)->not_full)
#endif
#ifndef CHAN_NOT_EMPTY
#define CHAN_NOT_EMPTY(ch) (&(ch)->not_empty)
#endif
/* How a thread waits (with the lock held; returns with it held). */
#ifndef CHAN_WAIT
#define CHAN_WAIT(cond, lock) pthread_cond_wait(cond, lock)
#endif
/* What close does to the threads blocked on the channel. */
#ifndef CHAN_WAKE_ALL
#define CHAN_WAKE_ALL(ch)                                                                          \
    (pthread_cond_broadcast(&(ch)->not_full), pthread_cond_broadcast(&(ch)->not_empty))
#endif
/* Whether a send is refused (nothing is added once closed). */
#ifndef CHAN_SEND_REFUSED
#define CHAN_SEND_REFUSED(ch) ((ch)->closed)
#endif
/* What a receiver sees once closed: only an empty closed channel is done. */
#ifndef CHAN_RECV_DONE
#define CHAN_RECV_DONE(ch) ((ch)->closed && (ch)->count == 0)
#endif
/* What chan_close returns when the channel was already closed. */
#ifndef CHAN_CLOSE_AGAIN
#define CHAN_CLOSE_AGAIN (-EPIPE)
#endif
/* NULL checks of the arguments. */
#ifndef CHAN_CHECK
#define CHAN_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (cond)                                                                                  \
            return -EINVAL;                                                                        \
    } while (0)
#endif

/* ---- the correct pieces ---- */

/* Puts msg at the tail (lock held, room checked). */
static inline void chan_push_locked(struct chan *ch, void *msg)
{
    ch->slots[(ch->head + ch->count) % ch->nslots] = msg;
    ch->count++;
    pthread_cond_signal(CHAN_NOT_EMPTY(ch));
}

/* Takes the head (lock held, a message there). */
static inline void *chan_pop_locked(struct chan *ch)
{
    void *msg = ch->slots[ch->head];
    ch->head = (ch->head + 1) % ch->nslots;
    ch->count--;
    pthread_cond_signal(CHAN_NOT_FULL(ch));
    return msg;
}

#ifndef BROKEN_CHAN_CREATE
int chan_create(struct chan **out, size_t capacity)
{
    if (out == NULL || CHAN_BAD_CAPACITY(capacity))
        return -EINVAL;
    struct chan *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->nslots = CHAN_SLOTS(capacity);
    ch->slots = calloc(ch->nslots, sizeof(ch->slots[0]));
    if (ch->slots == NULL)
        goto fail;
    ch->capacity = capacity;
    pthread_mutex_init(&ch->lock, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    *out = ch;
    return 0;
fail:
    free(ch);
    return -ENOMEM;
}
#endif

#ifndef BROKEN_CHAN_SEND
int chan_send(struct chan *ch, void *msg)
{
    CHAN_CHECK(ch == NULL);
    pthread_mutex_lock(&ch->lock);
    while (!CHAN_SEND_REFUSED(ch) && CHAN_FULL(ch))
        CHAN_WAIT(CHAN_NOT_FULL(ch), &ch->lock);
    int rc = -EPIPE;
    if (!CHAN_SEND_REFUSED(ch)) {
        chan_push_locked(ch, msg);
        rc = 0;
    }
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
#endif

#ifndef BROKEN_CHAN_RECV
int chan_recv(struct chan *ch, void **msg)
{
    CHAN_CHECK(ch == NULL || msg == NULL);
    pthread_mutex_lock(&ch->lock);
    while (ch->count == 0 && !ch->closed)
        CHAN_WAIT(CHAN_NOT_EMPTY(ch), &ch->lock);
    int rc = -EPIPE;
    if (!CHAN_RECV_DONE(ch)) {
        *msg = chan_pop_locked(ch);
        rc = 0;
    }
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
#endif

#ifndef BROKEN_CHAN_TRY_SEND
int chan_try_send(struct chan *ch, void *msg)
{
    CHAN_CHECK(ch == NULL);
    pthread_mutex_lock(&ch->lock);
    int rc = CHAN_SEND_REFUSED(ch) ? -EPIPE : CHAN_FULL(ch) ? -EAGAIN : 0;
    if (rc == 0)
        chan_push_locked(ch, msg);
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
#endif

#ifndef BROKEN_CHAN_TRY_RECV
int chan_try_recv(struct chan *ch, void **msg)
{
    CHAN_CHECK(ch == NULL || msg == NULL);
    pthread_mutex_lock(&ch->lock);
    int rc = 0;
    if (CHAN_RECV_DONE(ch))
        rc = -EPIPE;
    else if (ch->count == 0)
        rc = -EAGAIN;
    else
        *msg = chan_pop_locked(ch);
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
#endif

#ifndef BROKEN_CHAN_CLOSE
int chan_close(struct chan *ch)
{
    CHAN_CHECK(ch == NULL);
    pthread_mutex_lock(&ch->lock);
    int rc = ch->closed ? CHAN_CLOSE_AGAIN : 0;
    ch->closed = true;
    CHAN_WAKE_ALL(ch);
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
#endif

#ifndef BROKEN_CHAN_DESTROY
void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    pthread_cond_destroy(&ch->not_empty);
    pthread_cond_destroy(&ch->not_full);
    pthread_mutex_destroy(&ch->lock);
    free(ch->slots);
    free(ch);
}
#endif

#endif
