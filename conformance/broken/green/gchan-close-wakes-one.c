/* BREAKS: GREEN-027 */
/* gchan_close wakes one parked receiver and one parked sender, like a
 * send or a receive would: the others stay parked on a channel that will
 * never change again.
 */
#define BROKEN_GCHAN_CLOSE
#include "common.h"

int gchan_close(struct gchan *ch)
{
    if (ch == NULL)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    ch->closed = true;
    gchan_wake_one(&ch->receivers); /* BUG: every one must be woken */
    gchan_wake_one(&ch->senders);
    return 0;
}
