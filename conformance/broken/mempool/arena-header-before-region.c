/* BREAKS: MP-020 */
/* The arena and its bytes in one malloc, the struct first: the region
 * starts just after the struct, 32 bytes into a 16-byte aligned block,
 * and alignment is applied to the offset, not the address. Every request
 * aligned to 64 or more lands off its boundary.
 */
#include "common.h"

static int new_in_one(struct mp_arena **out, size_t capacity)
{
    if (capacity > PTRDIFF_MAX - sizeof(struct mp_arena))
        return -EOVERFLOW;
    struct mp_arena *a = malloc(sizeof *a + capacity);
    if (!a)
        return -ENOMEM;
    *a = (struct mp_arena){.base = (char *)(a + 1), .cap = capacity}; /* BUG */
    *out = a;
    return 0;
}

static void free_in_one(struct mp_arena *a)
{
    free(a);
}

BREAK(arena_new, new_in_one)
BREAK(arena_free, free_in_one)
