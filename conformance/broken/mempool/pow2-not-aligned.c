/* BREAKS: MP-011 */
/* The region is aligned to MP_ALIGN whatever the block size: a pool of
 * 64- or 4096-byte blocks has them on 16-byte boundaries only, not on
 * their size's.
 */
#include "common.h"

static size_t align_16(size_t block_size)
{
    (void)block_size;
    return MP_ALIGN; /* BUG: min(block_size, 4096) for a power of two */
}

BREAK(region_align, align_16)
