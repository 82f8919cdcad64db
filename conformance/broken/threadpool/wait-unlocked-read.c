/* BREAKS: TP-014 */
/* tp_wait first reads the pending count without the lock, to skip the
 * lock when nothing is running. On x86 it gives the right answer (an
 * aligned word is read whole), so every functional check passes; it is
 * still a data race, which ThreadSanitizer reports.
 */
#define TPB_WAIT wait_fast_path
#include "common.h"

static int wait_fast_path(tp_pool *p)
{
    if (p->pending == 0) /* BUG: read without the lock that guards it */
        return 0;
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return 0;
}
