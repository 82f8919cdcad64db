/* BREAKS: MP-004 */
/* When the region (or the bitmap) cannot be obtained, create frees what
 * it got except the pool's own struct: one leak per failed create.
 */
#include "common.h"

static void discard_leaky(void *handle, void *region, void *bits)
{
    (void)handle; /* BUG: the struct calloc'ed first is never freed */
    free(bits);
    free(region);
}

BREAK(discard, discard_leaky)
