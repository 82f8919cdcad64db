/* BREAKS: GREEN-025 */
/* gchan_send does not park on a full channel: it returns -EAGAIN like
 * gchan_try_send.
 */
#define BROKEN_GCHAN_SEND
#include "common.h"

int gchan_send(struct gchan *ch, void *msg)
{
    if (ch != NULL && g.current == NULL)
        return -EPERM;
    return gchan_try_send(ch, msg); /* BUG: never parks */
}
