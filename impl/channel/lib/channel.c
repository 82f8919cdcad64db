/* A bounded MPMC channel of pointers (see specs/channel.h, specs/channel.md).
 *
 * One mutex guards everything: the ring buffer, its count and the closed
 * flag. Two condition variables say what a blocked thread waits for:
 * senders wait on not_full, receivers on not_empty. Keeping them apart
 * means a send wakes a receiver, never another sender that would only
 * go back to sleep. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "channel.h"

struct chan {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* signalled when a slot frees up */
    pthread_cond_t not_empty; /* signalled when a message arrives */
    size_t capacity;
    size_t head;  /* index of the oldest message */
    size_t count; /* messages in the buffer, 0..capacity */
    bool closed;
    void *slots[]; /* the ring: slots[(head + i) % capacity], i < count */
};

/* An open, empty channel of `capacity` slots in *out; 0, -EINVAL, -ENOMEM. */
int chan_create(struct chan **out, size_t capacity)
{
    struct chan *ch;

    if (out == NULL || capacity == 0 || capacity > CHAN_CAPACITY_MAX)
        return -EINVAL;
    /* One allocation for the header and the ring. capacity is at most
     * 2^20, so the size cannot overflow. */
    ch = malloc(sizeof(*ch) + capacity * sizeof(ch->slots[0]));
    if (ch == NULL)
        return -ENOMEM;
    ch->capacity = capacity;
    ch->head = 0;
    ch->count = 0;
    ch->closed = false;
    /* With default attributes these cannot fail on Linux, but POSIX lets
     * them fail for want of resources (ENOMEM, or EAGAIN for a resource
     * other than memory), so each is undone if a later one fails, and the
     * failure is reported as chan_create's out-of-resources code, -ENOMEM,
     * the one channel.h lists. */
    if (pthread_mutex_init(&ch->lock, NULL) != 0)
        goto fail_mutex;
    if (pthread_cond_init(&ch->not_full, NULL) != 0)
        goto fail_not_full;
    if (pthread_cond_init(&ch->not_empty, NULL) != 0)
        goto fail_not_empty;
    *out = ch;
    return 0;

fail_not_empty:
    pthread_cond_destroy(&ch->not_full);
fail_not_full:
    pthread_mutex_destroy(&ch->lock);
fail_mutex:
    free(ch);
    return -ENOMEM;
}

/* Appends msg; the caller holds the lock and has checked there is room. */
static void ring_push(struct chan *ch, void *msg)
{
    ch->slots[(ch->head + ch->count) % ch->capacity] = msg;
    ch->count++;
    /* One message: one receiver can use it. Waking all would make the
     * others find the buffer empty again and go back to sleep. */
    pthread_cond_signal(&ch->not_empty);
}

/* Removes the oldest message; the caller holds the lock, count > 0. */
static void *ring_pop(struct chan *ch)
{
    void *msg = ch->slots[ch->head];

    ch->head = (ch->head + 1) % ch->capacity;
    ch->count--;
    pthread_cond_signal(&ch->not_full);
    return msg;
}

/* Appends msg, waiting for room; -EPIPE once the channel is closed. */
int chan_send(struct chan *ch, void *msg)
{
    int ret = 0;

    if (ch == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    /* A loop, not an if: a wakeup only says the state changed, and
     * another sender may have taken the free slot first (or the wakeup
     * was spurious, which POSIX allows). */
    while (!ch->closed && ch->count == ch->capacity)
        pthread_cond_wait(&ch->not_full, &ch->lock);
    if (ch->closed)
        ret = -EPIPE;
    else
        ring_push(ch, msg);
    pthread_mutex_unlock(&ch->lock);
    return ret;
}

/* Takes the oldest message, waiting for one; -EPIPE when closed and empty. */
int chan_recv(struct chan *ch, void **msg)
{
    int ret = 0;

    if (ch == NULL || msg == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    while (!ch->closed && ch->count == 0)
        pthread_cond_wait(&ch->not_empty, &ch->lock);
    /* Closed or not, a buffered message is delivered: a close lets the
     * receivers drain what was sent before it. */
    if (ch->count > 0)
        *msg = ring_pop(ch);
    else
        ret = -EPIPE;
    pthread_mutex_unlock(&ch->lock);
    return ret;
}

/* chan_send without waiting: -EAGAIN when full. */
int chan_try_send(struct chan *ch, void *msg)
{
    int ret = 0;

    if (ch == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    if (ch->closed)
        ret = -EPIPE;
    else if (ch->count == ch->capacity)
        ret = -EAGAIN;
    else
        ring_push(ch, msg);
    pthread_mutex_unlock(&ch->lock);
    return ret;
}

/* chan_recv without waiting: -EAGAIN when empty and open. */
int chan_try_recv(struct chan *ch, void **msg)
{
    int ret = 0;

    if (ch == NULL || msg == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    if (ch->count > 0)
        *msg = ring_pop(ch);
    else if (ch->closed)
        ret = -EPIPE;
    else
        ret = -EAGAIN;
    pthread_mutex_unlock(&ch->lock);
    return ret;
}

/* Closes the channel and wakes every blocked thread; -EPIPE the second time. */
int chan_close(struct chan *ch)
{
    int ret = 0;

    if (ch == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    if (ch->closed) {
        ret = -EPIPE;
    } else {
        ch->closed = true;
        /* Broadcast, not signal: the close changes the answer for every
         * blocked thread at once. Each blocked sender must now fail, and
         * each blocked receiver (the buffer is empty, or it would not be
         * blocked) must return -EPIPE. A signal would wake one of them
         * and leave the others asleep for ever: no later send or receive
         * will come to wake them. */
        pthread_cond_broadcast(&ch->not_full);
        pthread_cond_broadcast(&ch->not_empty);
    }
    pthread_mutex_unlock(&ch->lock);
    return ret;
}

/* Frees the channel; nobody may be using it any more. */
void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    pthread_cond_destroy(&ch->not_empty);
    pthread_cond_destroy(&ch->not_full);
    pthread_mutex_destroy(&ch->lock);
    free(ch);
}
