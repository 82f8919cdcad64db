/* BREAKS: TP-011 */
/* Shutdown wakes the workers but not the submitters waiting for room: a
 * tp_submit blocked on a full queue sleeps on until a worker takes a task
 * and signals not_full, that is until the running tasks finish, instead
 * of returning -ESHUTDOWN as soon as shutdown begins.
 */
#define TPB_SHUTDOWN shutdown_forgets_submitters
#include "common.h"

static int shutdown_forgets_submitters(tp_pool *p, enum tp_shutdown_mode mode, size_t *dropped)
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
    pthread_cond_broadcast(&p->not_empty); /* BUG: not_full is not broadcast */
    pthread_mutex_unlock(&p->mu);
    tpb_join(p);
    pthread_mutex_lock(&p->mu);
    p->shut_down = true;
    pthread_mutex_unlock(&p->mu);
    if (dropped)
        *dropped = n;
    return 0;
}
