/* BREAKS: CHAN-005 */
/* A stack instead of a queue: receivers take the newest message. Cheaper
 * to write, and every message still arrives exactly once - in the wrong
 * order.
 */
#define BROKEN_CHAN_RECV
#define BROKEN_CHAN_TRY_RECV
#include "common.h"

/* Takes the tail (lock held, a message there). */
static void *chan_pop_newest_locked(struct chan *ch)
{
    ch->count--;
    void *msg = ch->slots[(ch->head + ch->count) % ch->nslots]; /* BUG: LIFO */
    pthread_cond_signal(CHAN_NOT_FULL(ch));
    return msg;
}

int chan_recv(struct chan *ch, void **msg)
{
    CHAN_CHECK(ch == NULL || msg == NULL);
    pthread_mutex_lock(&ch->lock);
    while (ch->count == 0 && !ch->closed)
        CHAN_WAIT(CHAN_NOT_EMPTY(ch), &ch->lock);
    int rc = -EPIPE;
    if (!CHAN_RECV_DONE(ch)) {
        *msg = chan_pop_newest_locked(ch);
        rc = 0;
    }
    pthread_mutex_unlock(&ch->lock);
    return rc;
}

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
        *msg = chan_pop_newest_locked(ch);
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
