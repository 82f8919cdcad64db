/* BREAKS: CHAN-009 */
/* chan_recv does not wait for a message: on an empty channel it returns
 * -EAGAIN like chan_try_recv.
 */
#define BROKEN_CHAN_RECV
#include "common.h"

int chan_recv(struct chan *ch, void **msg)
{
    return chan_try_recv(ch, msg); /* BUG: never blocks */
}
