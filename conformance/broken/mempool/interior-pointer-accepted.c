/* BREAKS: MP-018 */
/* Debug mode checks that a pointer lies in the region, but not that it
 * is at a block's start: a pointer into the middle of a block frees that
 * block (and the free-list pool even links the interior pointer in).
 */
#include "common.h"

static int index_rounding(const struct blocks *k, const void *ptr, size_t *i)
{
    uintptr_t at = (uintptr_t)ptr, base = (uintptr_t)k->base;
    if (at < base || (at - base) / k->stride >= k->count)
        return -EINVAL;
    *i = (at - base) / k->stride; /* BUG: (at - base) % stride unchecked */
    return 0;
}

BREAK(block_index, index_rounding)
