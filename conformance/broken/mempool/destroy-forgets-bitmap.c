/* BREAKS: MP-005 */
/* Destroy frees the region and the struct but not the bitmap (the
 * bitmap pool's, or the free-list pool's debug-mode bits): it was added
 * later, in its own calloc.
 */
#include "common.h"

static void release_but_bits(void *handle, void *region, void *bits)
{
    (void)bits; /* BUG: leaked */
    free(region);
    free(handle);
}

BREAK(release, release_but_bits)
