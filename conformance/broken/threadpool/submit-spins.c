/* BREAKS: TP-017 */
/* A tp_submit waiting for room polls: it drops the lock, yields the CPU
 * and looks again, instead of sleeping on not_full. Every task runs and
 * every check of behaviour passes; a producer faster than the workers
 * burns a core while it waits.
 */
#define TPB_SUBMIT submit_spins
#include "common.h"

static int submit_spins(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->count == p->cap) {
        if (!wait || tpb_self == p) {
            pthread_mutex_unlock(&p->mu);
            return wait ? -EDEADLK : -EAGAIN;
        }
        pthread_mutex_unlock(&p->mu); /* BUG: spins instead of waiting on not_full */
        sched_yield();
        pthread_mutex_lock(&p->mu);
    }
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -ESHUTDOWN;
    }
    int err = tpb_push(p, fn, arg);
    if (err == 0) {
        p->pending++;
        pthread_cond_signal(&p->not_empty);
    }
    pthread_mutex_unlock(&p->mu);
    return err;
}
