/* BREAKS: MP-022 */
/* The mark counts the bytes requested, not the fill level: the padding
 * before an aligned request is missing from it.
 */
#include "common.h"

static void take_counting_sizes(struct mp_arena *a, size_t off, size_t size)
{
    a->top = off + size;
    a->used += size; /* BUG: the padding before off is not counted */
}

BREAK(arena_take, take_counting_sizes)
