/* BREAKS: MP-025 */
/* The request is placed at the aligned offset, but the top only moves by
 * the size from where it was: the last padding's worth of the previous
 * request is handed out again.
 */
#include "common.h"

static void take_from_top(struct mp_arena *a, size_t off, size_t size)
{
    (void)off;
    a->top += size; /* BUG: off + size */
    a->used = a->top;
}

BREAK(arena_take, take_from_top)
