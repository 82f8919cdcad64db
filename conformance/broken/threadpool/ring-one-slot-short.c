/* BREAKS: TP-004 */
/* The textbook ring buffer that keeps one slot empty to tell full from
 * empty, with a count kept as well: the queue holds capacity - 1 tasks
 * (and none at all with capacity 1).
 */
#define TPB_SUBMIT submit_one_short
#include "common.h"

static int submit_one_short(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->count + 1 >= p->cap) { /* BUG: full one slot early */
        if (!wait || tpb_self == p) {
            pthread_mutex_unlock(&p->mu);
            return wait ? -EDEADLK : -EAGAIN;
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
