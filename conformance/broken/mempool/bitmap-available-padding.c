/* BREAKS: MP-015 */
/* available() counts the zero bits of the bitmap, the unused bits of
 * its last word included: a pool of 65 blocks says 128 are available.
 */
#include "common.h"

static size_t available_by_bits(const struct mp_bitmap *b)
{
    size_t used = 0;
    for (size_t w = 0; w < b->words; w++)
        used += (size_t)__builtin_popcountll(b->bits[w]);
    return b->words * WORD_BITS - used; /* BUG: count - used */
}

BREAK(bitmap_available, available_by_bits)
