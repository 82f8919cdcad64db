/* BREAKS: TP-013 */
/* tp_submit from a task waits for room like any other caller: on a pool
 * whose workers are all in such tasks, nobody ever makes room.
 */
#define TPB_SUBMIT submit_waits_in_task
#include "common.h"

static int submit_waits_in_task(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->count == p->cap) {
        if (!wait) { /* BUG: a worker waiting for the workers */
            pthread_mutex_unlock(&p->mu);
            return -EAGAIN;
        }
        pthread_cond_wait(&p->not_full, &p->mu);
    }
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    tpb_push(p, fn, arg);
    p->pending++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
