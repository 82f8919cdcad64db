/* mp_bitmap: fixed-size blocks, one bit per block in a separate bitmap
 * saying which are live (the API: specs/mempool.h; the requirements:
 * specs/mempool.md; how it works: README.md).
 *
 * The allocator never writes into the blocks: a free block holds whatever
 * it held. Alloc takes the lowest free block, so live blocks stay packed
 * at the low addresses, on as few pages as can be. Finding it takes two
 * levels of bits:
 *
 *   used[w]  bit k set = block 64w + k is live
 *   full[j]  bit k set = used[64j + k] is all ones: no free block there
 *
 * so a search reads one word of `full` per 4096 blocks, then one word of
 * `used`. With `used` alone, a search starts at the lowest word with a
 * free bit; in churn that word fills up at once, and the next search
 * walks over every full word above it: 76 words per alloc on average for
 * 100000 blocks in bench/mempool.py's random pattern. With the second
 * level it reads 1.2 words of full (12 for a million blocks: each level
 * divides the walk by 64).
 *
 * Every free is checked, with or without MP_DEBUG: to clear a block's bit
 * the pool must find its index and read its word anyway, and the checks
 * are two compares and that bit. Skipping them would save next to
 * nothing, and a wild pointer's index would make the pool write outside
 * its bitmap. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "blocks.h"
#include "mempool.h"

struct mp_bitmap {
    struct mp_blocks blocks;
    size_t available; /* free blocks: exhaustion is seen at once */
    size_t first;     /* every word of full below full[first] is all ones */
    uint64_t *full;   /* mp_words(nwords) words, after used[] */
    /* nwords = mp_words(count) words. Bits that stand for no block (past
     * count in used, past nwords in full) are set at create and never
     * cleared: the search takes them for live blocks and full words. */
    uint64_t used[];
};

/* Sets the bits from n on in the last of the words holding n bits: the
 * padding that stands for nothing. */
static void set_padding(uint64_t *w, size_t n)
{
    if (n % MP_WORD_BITS != 0)
        w[n / MP_WORD_BITS] = UINT64_MAX << (n % MP_WORD_BITS);
}

/* A bitmap pool of `count` blocks of block_size bytes, all free, in *out;
 * 0, -EINVAL, -EOVERFLOW or -ENOMEM (*out untouched). */
int mp_bitmap_create(struct mp_bitmap **out, size_t block_size, size_t count, unsigned flags)
{
    struct mp_blocks bl;
    struct mp_bitmap *b;
    size_t nwords, nfull;
    int err;

    if (out == NULL || (flags & ~MP_DEBUG) != 0)
        return -EINVAL;
    err = mp_blocks_layout(&bl, block_size, count);
    if (err != 0)
        return err;
    /* count <= PTRDIFF_MAX / MP_ALIGN here, so the size cannot wrap. */
    nwords = mp_words(count);
    nfull = mp_words(nwords);
    b = calloc(1, sizeof *b + (nwords + nfull) * sizeof(uint64_t));
    if (b == NULL)
        return -ENOMEM;
    b->blocks = bl;
    err = mp_blocks_alloc(&b->blocks);
    if (err != 0)
        goto fail;
    b->available = count;
    b->first = 0;
    b->full = b->used + nwords;
    set_padding(b->used, count);
    set_padding(b->full, nwords);
    *out = b;
    return 0;
fail:
    free(b);
    return err;
}

/* Frees the blocks and the bitmaps, blocks in use included; NULL: nothing. */
void mp_bitmap_destroy(struct mp_bitmap *b)
{
    if (b == NULL)
        return;
    mp_blocks_free(&b->blocks);
    free(b);
}

/* The lowest free block, now live; NULL when all are in use (the pool
 * unchanged). */
void *mp_bitmap_alloc(struct mp_bitmap *b)
{
    size_t j, w, i;
    void *block;

    if (b->available == 0)
        return NULL; /* exhausted: nothing changed */
    /* A block is free, and every word of full below first is all ones:
     * the loop stops at a word with a zero bit before it runs off. */
    for (j = b->first; b->full[j] == UINT64_MAX; j++)
        ;
    b->first = j;
    /* The lowest zero bit of a word is the lowest set bit of its
     * complement. __builtin_ctzll counts the trailing zeros in one
     * instruction (tzcnt or bsf) instead of a loop over up to 64 bits;
     * it is undefined for 0, and neither complement is 0 here. */
    w = j * MP_WORD_BITS + (size_t)__builtin_ctzll(~b->full[j]);
    i = w * MP_WORD_BITS + (size_t)__builtin_ctzll(~b->used[w]);
    mp_bit_set(b->used, i);
    if (b->used[w] == UINT64_MAX)
        mp_bit_set(b->full, w);
    b->available--;
    block = mp_blocks_at(&b->blocks, i);
    mp_blocks_hand_out(&b->blocks, block);
    return block;
}

/* Clears block's bit; 0. -EINVAL for a pointer that is not a block's
 * start, -EALREADY for a free block, and the pool unchanged (checked in
 * both modes: see the top of this file). */
int mp_bitmap_free(struct mp_bitmap *b, void *block)
{
    size_t i, w;

    if (block == NULL)
        return 0;
    if (!mp_blocks_index(&b->blocks, block, &i))
        return -EINVAL;
    if (!mp_bit_test(b->used, i))
        return -EALREADY;
    w = i / MP_WORD_BITS;
    mp_bit_clear(b->used, i);
    mp_bit_clear(b->full, w);
    if (w / MP_WORD_BITS < b->first)
        b->first = w / MP_WORD_BITS;
    b->available++;
    mp_blocks_take_back(&b->blocks, block);
    return 0;
}

/* The number of blocks mp_bitmap_alloc can still hand out. */
size_t mp_bitmap_available(const struct mp_bitmap *b)
{
    return b->available;
}
