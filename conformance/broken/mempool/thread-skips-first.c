/* BREAKS: MP-010 */
/* The free list is threaded from the last block down, with an unsigned
 * loop that stops at 1 so as not to wrap below 0: block 0 is never on the
 * list, and the pool hands out N - 1 blocks.
 */
#include "common.h"

static void thread_down(struct mp_pool *p)
{
    p->head = NULL;
    for (size_t i = p->k.count - 1; i > 0; i--) /* BUG: i >= 0 would never end */
        hook.pool_push(p, p->k.base + i * p->k.stride);
}

BREAK(pool_thread, thread_down)
