/* BREAKS: TP-010 */
/* TP_CANCEL counts the queued tasks as dropped but leaves them in the
 * queue, where the workers, draining it before they leave, run them.
 */
#define TPB_SHUTDOWN shutdown_cancel_counts
#include "common.h"

static int shutdown_cancel_counts(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
{
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    size_t n = mode == TP_CANCEL ? p->count : 0; /* BUG: counted, not removed */
    tpb_begin_stop(p);
    pthread_mutex_unlock(&p->mu);
    tpb_join(p);
    pthread_mutex_lock(&p->mu);
    p->shut_down = true;
    pthread_mutex_unlock(&p->mu);
    if (dropped)
        *dropped = n;
    return 0;
}
