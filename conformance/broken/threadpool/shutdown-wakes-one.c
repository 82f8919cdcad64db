/* BREAKS: TP-009 */
/* Shutdown wakes the sleeping workers with pthread_cond_signal: one of
 * them leaves, the others sleep on, and tp_shutdown waits forever to join
 * them (a lost wakeup).
 */
#define TPB_SHUTDOWN shutdown_signal
#include "common.h"

static int shutdown_signal(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
{
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    size_t n = 0;
    if (mode == TP_CANCEL) {
        n = tpb_drop(p);
        p->pending -= n;
        if (p->pending == 0)
            pthread_cond_broadcast(&p->idle);
    }
    p->stopping = true;
    pthread_cond_signal(&p->not_empty); /* BUG: wakes one worker, not all */
    pthread_cond_broadcast(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    tpb_join(p);
    pthread_mutex_lock(&p->mu);
    p->shut_down = true;
    pthread_mutex_unlock(&p->mu);
    if (dropped)
        *dropped = n;
    return 0;
}
