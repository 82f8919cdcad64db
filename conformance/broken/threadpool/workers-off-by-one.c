/* BREAKS: TP-001 */
/* tp_create's loop starts at 1, a leftover of numbering workers from 1
 * in log messages: W - 1 workers (none at all for W = 1).
 */
#define TPB_CREATE create_one_short
#include "common.h"

static int create_one_short(tp_pool **out, unsigned w, size_t c)
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
    for (unsigned i = 1; i < w; i++) { /* BUG: worker 0 is never started */
        err = -pthread_create(&p->threads[p->nthreads], NULL, tpb_worker, p);
        if (err)
            goto fail;
        p->nthreads++;
    }
    *out = p;
    return 0;
fail:
    pthread_mutex_lock(&p->mu);
    tpb_begin_stop(p);
    pthread_mutex_unlock(&p->mu);
    tpb_join(p);
    tpb_free(p);
    return err;
}
