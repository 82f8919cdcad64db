/* BREAKS: MP-021 */
/* The fit test uses >= where > is meant: a request that would fill the
 * arena to its last byte is refused, so an arena of C bytes holds C - 1.
 */
#include "common.h"

static int fit_strict(const struct mp_arena *a, size_t size, size_t align, size_t *off)
{
    size_t o = (a->top + align - 1) & ~(align - 1);
    if (o >= a->cap || size >= a->cap - o) /* BUG: > */
        return -1;
    *off = o;
    return 0;
}

BREAK(arena_fit, fit_strict)
