/* BREAKS: TP-007 */
/* The submitter adds to the queue's count after releasing the lock ("an
 * increment is one instruction"): it races with the other submitters'
 * increments and the workers' decrements, and a lost update leaves tasks
 * in the ring that no worker takes (or makes one take a stale slot).
 */
#define TPB_SUBMIT submit_count_unlocked
#include "common.h"

static int submit_count_unlocked(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->count == p->cap) {
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
    p->ring[p->tail] = (struct tpb_task){fn, arg};
    p->tail = (p->tail + 1) % p->cap;
    p->pending++;
    pthread_mutex_unlock(&p->mu);
    p->count++; /* BUG: read-modify-write outside the lock */
    pthread_mutex_lock(&p->mu);
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
