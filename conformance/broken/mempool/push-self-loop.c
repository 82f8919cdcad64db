/* BREAKS: MP-012 */
/* Free pushes the block with its two assignments swapped: the head is
 * set first, so the block's link points at itself, and the block freed
 * last is handed out again and again.
 */
#include "common.h"

static void push_swapped(struct mp_pool *p, void *b)
{
    p->head = b;
    memcpy(b, &p->head, sizeof p->head); /* BUG: must come first */
}

BREAK(pool_push, push_swapped)
