/* BREAKS: TP-006 */
/* Workers take the newest task (a stack): tasks run in reverse order of
 * submission whenever several are queued.
 */
#define TPB_POP pop_newest
#include "common.h"

static struct tpb_task pop_newest(tp_pool *p)
{
    p->tail = (p->tail + p->cap - 1) % p->cap; /* BUG: from the tail end */
    p->count--;
    return p->ring[p->tail];
}
