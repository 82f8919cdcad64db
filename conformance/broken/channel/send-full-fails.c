/* BREAKS: CHAN-008 */
/* chan_send does not wait for room: on a full channel it returns -EAGAIN
 * like chan_try_send, and a producer that ignores the status loses the
 * message.
 */
#define BROKEN_CHAN_SEND
#include "common.h"

int chan_send(struct chan *ch, void *msg)
{
    return chan_try_send(ch, msg); /* BUG: never blocks */
}
