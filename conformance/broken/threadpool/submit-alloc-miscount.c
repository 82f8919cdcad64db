/* BREAKS: TP-016 */
/* A pool whose queue is a linked list of nodes malloc'd by submit. When
 * that malloc fails, submit returns -ENOMEM, but it had already counted
 * the task as pending: tp_wait then waits forever for a task that was
 * never queued.
 */
#define TPB_SUBMIT submit_counts_first
#define TPB_PUSH   list_push
#define TPB_POP    list_pop
#define TPB_DROP   list_drop
#include "common.h"

struct node {
    struct tpb_task t;
    struct node *next;
};

/* p->list: the oldest node; its last one is found by walking (short queues). */
static int list_push(tp_pool *p, tp_task_fn fn, void *arg)
{
    struct node *n = malloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    *n = (struct node){{fn, arg}, NULL};
    struct node **at = (struct node **)&p->list;
    while (*at)
        at = &(*at)->next;
    *at = n;
    p->count++;
    return 0;
}

static struct tpb_task list_pop(tp_pool *p)
{
    struct node *n = p->list;
    struct tpb_task t = n->t;
    p->list = n->next;
    p->count--;
    free(n);
    return t;
}

static size_t list_drop(tp_pool *p)
{
    size_t k = 0;
    while (p->list) {
        list_pop(p);
        k++;
    }
    return k;
}

static int submit_counts_first(tp_pool *p, tp_task_fn fn, void *arg, bool wait)
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
    p->pending++;
    int err = list_push(p, fn, arg); /* BUG: on -ENOMEM, pending is not undone */
    if (err == 0)
        pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return err;
}
