/* BREAKS: CHAN-012 */
/* chan_try_recv is chan_recv: on an empty channel it waits for a message
 * instead of returning -EAGAIN.
 */
#define BROKEN_CHAN_TRY_RECV
#include "common.h"

int chan_try_recv(struct chan *ch, void **msg)
{
    return chan_recv(ch, msg); /* BUG: blocks */
}
