/* BREAKS: CHAN-018 */
/* chan_destroy frees the channel but not its ring buffer, which was a
 * second allocation.
 */
#define BROKEN_CHAN_DESTROY
#include "common.h"

void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    pthread_cond_destroy(&ch->not_empty);
    pthread_cond_destroy(&ch->not_full);
    pthread_mutex_destroy(&ch->lock);
    free(ch); /* BUG: ch->slots is leaked */
}
