/* BREAKS: MP-017 */
/* Debug mode tells a double free by comparing the block with the head of
 * the free list: a block freed twice in a row is caught, one freed again
 * after other frees is pushed a second time, and later handed out twice.
 */
#include "common.h"

static bool is_head(const struct mp_pool *p, size_t i, const void *b)
{
    (void)i;
    return b == p->head; /* BUG: only the last block freed */
}

BREAK(pool_is_free, is_head)
