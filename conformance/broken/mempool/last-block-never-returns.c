/* BREAKS: MP-014 */
/* The range check of free takes base + (count - 1) * stride for the end
 * of the region: the last block is "not one of ours" and can never be
 * freed, so once handed out it is gone for good.
 */
#include "common.h"

static int index_short(const struct blocks *k, const void *ptr, size_t *i)
{
    uintptr_t at = (uintptr_t)ptr, base = (uintptr_t)k->base;
    uintptr_t end = base + (k->count - 1) * k->stride; /* BUG: one block short */
    if (at < base || at >= end || (at - base) % k->stride != 0)
        return -EINVAL;
    *i = (at - base) / k->stride;
    return 0;
}

BREAK(block_index, index_short)
