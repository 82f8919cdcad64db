/* BREAKS: CHAN-011 */
/* chan_try_send is chan_send: on a full channel it waits for room instead
 * of returning -EAGAIN.
 */
#define BROKEN_CHAN_TRY_SEND
#include "common.h"

int chan_try_send(struct chan *ch, void *msg)
{
    return chan_send(ch, msg); /* BUG: blocks */
}
