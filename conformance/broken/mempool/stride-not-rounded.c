/* BREAKS: MP-011 */
/* Blocks packed at block_size apart (at least a pointer's size, for the
 * link), without rounding the stride up to MP_ALIGN: the second block of
 * 24-byte blocks starts 8 bytes off a 16-byte boundary.
 */
#include "common.h"

static int geometry_packed(size_t block_size, size_t count, size_t *stride, size_t *total)
{
    size_t s = block_size < sizeof(void *) ? sizeof(void *) : block_size; /* BUG */
    if (s > PTRDIFF_MAX || count > PTRDIFF_MAX / s)
        return -EOVERFLOW;
    *stride = s;
    *total = s * count;
    return 0;
}

BREAK(geometry, geometry_packed)
