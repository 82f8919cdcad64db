/* BREAKS: MP-024 */
/* The fit test adds before it compares: offset + size wraps around
 * size_t for a huge size, and SIZE_MAX "fits" in any arena that is not
 * empty.
 */
#include "common.h"

static int fit_wrapping(const struct mp_arena *a, size_t size, size_t align, size_t *off)
{
    size_t o = (a->top + align - 1) & ~(align - 1);
    if (o + size > a->cap) /* BUG: o + size may wrap */
        return -1;
    *off = o;
    return 0;
}

BREAK(arena_fit, fit_wrapping)
