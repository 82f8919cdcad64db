/* BREAKS: TP-005 */
/* tp_submit is tp_try_submit: on a full queue it returns -EAGAIN instead
 * of waiting for room.
 */
#define TPB_SUBMIT submit_no_wait
#include "common.h"

static int submit_no_wait(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    (void)wait; /* BUG: both submits refuse when full */
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    if (p->count == p->cap) {
        pthread_mutex_unlock(&p->mu);
        return -EAGAIN;
    }
    tpb_push(p, fn, arg);
    p->pending++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
