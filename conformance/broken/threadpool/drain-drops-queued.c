/* BREAKS: TP-009 */
/* A worker leaves as soon as shutdown begins, before looking at the
 * queue: tp_shutdown(TP_DRAIN) (and tp_destroy) drop the queued tasks.
 */
#define TPB_WORKER worker_quits_early
#include "common.h"

static void *worker_quits_early(void *arg)
{
    tp_pool *p = arg;
    tpb_self = p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (p->stopping)
            break; /* BUG: the queued tasks are left behind */
        struct tpb_task t = tpb_pop(p);
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        t.fn(t.arg);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}
