/* BREAKS: TP-003 */
/* Tasks run one at a time: the worker keeps the pool's mutex while it runs
 * a task ("tasks may share data, better safe"), so W workers are no
 * faster than one, and tasks that wait for each other never finish.
 */
#define TPB_WORKER worker_keeps_lock
#include "common.h"

static void *worker_keeps_lock(void *arg)
{
    tp_pool *p = arg;
    tpb_self = p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (p->count == 0)
            break;
        struct tpb_task t = tpb_pop(p);
        pthread_cond_signal(&p->not_full);
        t.fn(t.arg); /* BUG: run with the mutex held */
        if (--p->pending == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}
