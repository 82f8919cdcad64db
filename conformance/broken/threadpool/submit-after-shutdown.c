/* BREAKS: TP-011 */
/* Submit never looks at the shutdown flag: after tp_shutdown it queues
 * tasks that no worker will ever run and returns 0, and a submitter
 * waiting for room goes on waiting.
 */
#define TPB_SUBMIT submit_ignores_stop
#include "common.h"

static int submit_ignores_stop(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == p->cap) { /* BUG: and no -ESHUTDOWN below */
        if (!wait || tpb_self == p) {
            pthread_mutex_unlock(&p->mu);
            return wait ? -EDEADLK : -EAGAIN;
        }
        pthread_cond_wait(&p->not_full, &p->mu);
    }
    tpb_push(p, fn, arg);
    p->pending++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
