/* BREAKS: TP-008 */
/* tp_wait waits for the queue to be empty, not for the tasks to finish:
 * it returns while the last ones are still running.
 */
#define TPB_WAIT wait_queue_empty
#include "common.h"

static int wait_queue_empty(tp_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->count > 0) /* BUG: taken is not finished */
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
