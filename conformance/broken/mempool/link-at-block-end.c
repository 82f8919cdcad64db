/* BREAKS: MP-013 */
/* The free list's link is kept in a free block's last pointer-sized
 * bytes, "so that a stale pointer's first bytes stay readable". For a
 * block smaller than a pointer that is before the block: into the live
 * block below it (or below the region, for block 0).
 */
#include "common.h"

static void *link_of(const struct mp_pool *p, void *b)
{
    return (char *)b + p->k.block_size - sizeof(void *); /* BUG: block_size < 8 */
}

static void push_end(struct mp_pool *p, void *b)
{
    memcpy(link_of(p, b), &p->head, sizeof p->head);
    p->head = b;
}

static void *pop_end(struct mp_pool *p)
{
    void *b = p->head;
    if (b)
        memcpy(&p->head, link_of(p, b), sizeof p->head);
    return b;
}

BREAK(pool_push, push_end)
BREAK(pool_pop, pop_end)
