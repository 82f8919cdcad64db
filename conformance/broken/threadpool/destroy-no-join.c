/* BREAKS: TP-012 */
/* tp_destroy tells the workers to stop and frees the pool without joining
 * them: workers still running tasks, or draining the queue, then use
 * freed memory.
 */
#define TPB_DESTROY destroy_no_join
#include "common.h"

static void destroy_no_join(tp_pool *p)
{
    pthread_mutex_lock(&p->mu);
    tpb_begin_stop(p);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        if (!p->shut_down)
            pthread_detach(p->threads[i]); /* BUG: not waited for */
    tpb_free(p);
}
