/* BREAKS: CHAN-019 */
/* chan_try_recv looks at the count before taking the lock, to return
 * -EAGAIN without locking: it works on x86 most of the time, and it is a
 * data race (another thread writes the count under the lock) that
 * ThreadSanitizer reports.
 */
#define BROKEN_CHAN_TRY_RECV
#include "common.h"

int chan_try_recv(struct chan *ch, void **msg)
{
    CHAN_CHECK(ch == NULL || msg == NULL);
    if (ch->count == 0 && !ch->closed) /* BUG: read without the lock */
        return -EAGAIN;
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
