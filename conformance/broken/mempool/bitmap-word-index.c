/* BREAKS: MP-012 */
/* The bitmap's words are 64 bits, but setting and clearing a bit finds
 * its word with i / 32 (left over from 32-bit words): block 32's bit is
 * set in the wrong word, so block 32 is found free again and handed out
 * twice.
 */
#include "common.h"

static void set_w32(uint64_t *bits, size_t i)
{
    bits[i / 32] |= (uint64_t)1 << (i % 64); /* BUG: i / 64 */
}

static void clear_w32(uint64_t *bits, size_t i)
{
    bits[i / 32] &= ~((uint64_t)1 << (i % 64)); /* BUG: i / 64 */
}

BREAK(bit_set, set_w32)
BREAK(bit_clear, clear_w32)
