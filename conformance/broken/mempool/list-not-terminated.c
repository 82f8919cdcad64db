/* BREAKS: MP-010 */
/* The free list is threaded front to back, each block pointing at the
 * next one, the last included: it points one stride past the region
 * instead of NULL, so block N+1 is "free" too.
 */
#include "common.h"

static void thread_one_past(struct mp_pool *p)
{
    for (size_t i = 0; i < p->k.count; i++) {
        char *b = p->k.base + i * p->k.stride;
        char *next = b + p->k.stride; /* BUG: NULL for the last block */
        memcpy(b, &next, sizeof next);
    }
    p->head = p->k.base;
}

BREAK(pool_thread, thread_one_past)
