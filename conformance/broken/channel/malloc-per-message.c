/* BREAKS: CHAN-004 */
/* A linked list instead of a ring: every send allocates a node, so a send
 * fails with -ENOMEM when memory runs out, although the channel has room.
 */
#define BROKEN_CHAN_SEND
#define BROKEN_CHAN_TRY_SEND
#include "common.h"

/* The node is only allocated (and freed again): the ring still holds the
 * message, so everything but the allocation is the correct channel. */
static int chan_node_alloc(void)
{
    void *node = malloc(2 * sizeof(void *)); /* BUG: memory per message */
    if (node == NULL)
        return -ENOMEM;
    free(node);
    return 0;
}

int chan_send(struct chan *ch, void *msg)
{
    CHAN_CHECK(ch == NULL);
    if (chan_node_alloc() != 0)
        return -ENOMEM;
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

int chan_try_send(struct chan *ch, void *msg)
{
    CHAN_CHECK(ch == NULL);
    if (chan_node_alloc() != 0)
        return -ENOMEM;
    pthread_mutex_lock(&ch->lock);
    int rc = CHAN_SEND_REFUSED(ch) ? -EPIPE : CHAN_FULL(ch) ? -EAGAIN : 0;
    if (rc == 0)
        chan_push_locked(ch, msg);
    pthread_mutex_unlock(&ch->lock);
    return rc;
}
