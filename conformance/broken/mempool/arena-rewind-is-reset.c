/* BREAKS: MP-027 */
/* Rewind checks its mark, then releases everything: a reset, which also
 * releases the allocations made before the mark.
 */
#include "common.h"

static int rewind_all(struct mp_arena *a, size_t mark)
{
    if (mark > a->top)
        return -EINVAL;
    a->top = 0; /* BUG: mark */
    a->used = 0;
    return 0;
}

BREAK(arena_rewind, rewind_all)
