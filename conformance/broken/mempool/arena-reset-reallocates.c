/* BREAKS: MP-006 */
/* Reset "starts afresh": a new region in place of the old one. It works,
 * but reset now calls the system allocator (and may fail, or move every
 * future allocation): the arena no longer owns its memory once and for
 * all.
 */
#include "common.h"

static void reset_fresh(struct mp_arena *a)
{
    char *fresh = hook.region(a->cap, MP_MAX_ALIGN); /* BUG: allocates */
    if (fresh) {
        free(a->base);
        a->base = fresh;
    }
    a->top = 0;
    a->used = 0;
}

BREAK(arena_reset, reset_fresh)
