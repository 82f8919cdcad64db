/* BREAKS: MP-026 */
/* Reset clears the bytes-in-use count (what mark reports) but leaves the
 * top where it was: the arena says it is empty and goes on filling from
 * the old top.
 */
#include "common.h"

static void reset_count_only(struct mp_arena *a)
{
    a->used = 0; /* BUG: a->top too */
}

BREAK(arena_reset, reset_count_only)
