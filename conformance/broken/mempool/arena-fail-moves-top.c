/* BREAKS: MP-023 */
/* The top is aligned first and the fit checked after: a request that
 * does not fit has already moved the fill level up by its padding.
 */
#include "common.h"

static int fit_align_first(const struct mp_arena *a, size_t size, size_t align, size_t *off)
{
    struct mp_arena *w = (struct mp_arena *)a;
    size_t o = (a->top + align - 1) & ~(align - 1);
    if (o > a->cap)
        return -1;
    w->top = w->used = o; /* BUG: before knowing the request fits */
    if (size > a->cap - o)
        return -1;
    *off = o;
    return 0;
}

BREAK(arena_fit, fit_align_first)
