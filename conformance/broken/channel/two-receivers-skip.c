/* BREAKS: CHAN-006 */
/* A "fairness" tweak: when another receiver is inside chan_recv too, a
 * receiver takes the second oldest message and leaves the oldest to the
 * other one. With one consumer the order is right; with several, a
 * consumer can take a producer's message 5, then come back for the 4 the
 * other one has not taken yet.
 */
#define CHAN_EXTRA_FIELDS int receivers; /* threads inside chan_recv */
#define BROKEN_CHAN_RECV
#include "common.h"

int chan_recv(struct chan *ch, void **msg)
{
    CHAN_CHECK(ch == NULL || msg == NULL);
    pthread_mutex_lock(&ch->lock);
    ch->receivers++;
    while (ch->count == 0 && !ch->closed)
        CHAN_WAIT(CHAN_NOT_EMPTY(ch), &ch->lock);
    int rc = -EPIPE;
    if (!CHAN_RECV_DONE(ch)) {
        if (ch->receivers > 1 && ch->count >= 2) {
            /* BUG: the second oldest first, the oldest left behind */
            size_t a = ch->head, b = (ch->head + 1) % ch->nslots;
            void *t = ch->slots[a];
            ch->slots[a] = ch->slots[b];
            ch->slots[b] = t;
        }
        *msg = chan_pop_locked(ch);
        rc = 0;
    }
    ch->receivers--;
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
