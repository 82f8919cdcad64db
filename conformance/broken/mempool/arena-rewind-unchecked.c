/* BREAKS: MP-028 */
/* Rewind trusts its mark: one above the fill level (taken before a
 * reset, or made up) moves the top up, over bytes never handed out, or
 * past the end of the region.
 */
#include "common.h"

static int rewind_trusting(struct mp_arena *a, size_t mark)
{
    a->top = mark; /* BUG: mark > top is not refused */
    a->used = mark;
    return 0;
}

BREAK(arena_rewind, rewind_trusting)
