/* BREAKS: TP-017 */
/* Idle workers poll the queue instead of sleeping on a condition
 * variable: unlock, sched_yield(), lock, look again. Every task runs and
 * every check of behaviour passes; an idle pool burns the CPUs.
 */
#define TPB_WORKER worker_polls
#include "common.h"

static void *worker_polls(void *arg)
{
    tp_pool *p = arg;
    tpb_self = p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->stopping) { /* BUG: spins */
            pthread_mutex_unlock(&p->mu);
            sched_yield();
            pthread_mutex_lock(&p->mu);
        }
        if (p->count == 0)
            break;
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
