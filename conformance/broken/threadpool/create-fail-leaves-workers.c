/* BREAKS: TP-015 */
/* When a pthread_create fails, tp_create frees the pool and returns the
 * error, forgetting the workers it already started: they are left
 * running, asleep on a condition variable in freed memory.
 */
#define TPB_CREATE create_forgets_workers
#include "common.h"

static int create_forgets_workers(tp_pool **out, unsigned w, size_t c)
{
    tp_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->cap = c;
    p->ring = calloc(c, sizeof *p->ring);
    p->threads = calloc(w, sizeof *p->threads);
    int err = -ENOMEM;
    if (!p->ring || !p->threads)
        goto fail;
    for (; p->nthreads < w; p->nthreads++) {
        err = -pthread_create(&p->threads[p->nthreads], NULL, tpb_worker, p);
        if (err)
            goto fail;
    }
    *out = p;
    return 0;
fail: /* BUG: the started workers are neither stopped nor joined */
    free(p->threads);
    free(p->ring);
    free(p);
    return err;
}
