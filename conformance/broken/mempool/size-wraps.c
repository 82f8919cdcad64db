/* BREAKS: MP-003 */
/* The pool's size is computed first and checked after: stride * count
 * wraps around size_t for 2^62 x 4 (to 0), and rounding SIZE_MAX up to
 * MP_ALIGN wraps to 0 too, so a small region is "big enough".
 */
#include "common.h"

static int geometry_wraps(size_t block_size, size_t count, size_t *stride, size_t *total)
{
    size_t s = (block_size + MP_ALIGN - 1) & ~(MP_ALIGN - 1); /* BUG: may wrap */
    size_t t = s * count;                                     /* BUG: may wrap */
    if (s == 0 || t > PTRDIFF_MAX)
        return -EOVERFLOW; /* checks the wrapped values */
    *stride = s;
    *total = t;
    return 0;
}

BREAK(geometry, geometry_wraps)
