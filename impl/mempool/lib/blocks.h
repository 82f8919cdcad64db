/* blocks.h: the block area the free-list pool (pool.c) and the bitmap
 * pool (bitmap.c) share, implemented in blocks.c. Private to
 * impl/mempool/lib. */
#ifndef MEMPOOL_BLOCKS_H
#define MEMPOOL_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "poison.h"

/* What the free-list pool and the bitmap pool share: `count` blocks of
 * `size` bytes laid out `stride` bytes apart in one aligned area, and the
 * way back from a pointer to a block's index.
 *
 *   base                                            base + count * stride
 *   |<- stride ->|<- stride ->|          |<- stride ->|
 *   [size |pad  ][size |pad  ]   ...    [size |pad  ]
 *   block 0      block 1                 block count-1
 *
 * stride is size rounded up to a multiple of MP_ALIGN, so every block
 * starts MP_ALIGN-aligned when base does. */
struct mp_blocks {
    unsigned char *base; /* the area, from posix_memalign */
    size_t size;         /* the caller's block_size: a block's extent */
    size_t stride;       /* distance between two blocks' starts */
    size_t count;
    size_t bytes; /* count * stride: the area's size */
    int shift;    /* log2(stride) when stride is a power of two, else -1 */
};

/* Checks the arguments and works out the layout of count blocks of size
 * bytes, without obtaining anything: 0, -EINVAL (size or count 0) or
 * -EOVERFLOW (the area would exceed PTRDIFF_MAX bytes, or computing its
 * size would wrap around). Fills *bl, base NULL. */
int mp_blocks_layout(struct mp_blocks *bl, size_t size, size_t count);

/* Obtains the area for a layout from mp_blocks_layout: 0 or -ENOMEM. */
int mp_blocks_alloc(struct mp_blocks *bl);

/* Gives the area back (nothing when it was never obtained). */
void mp_blocks_free(struct mp_blocks *bl);

/* The address of block i (i < count). */
static inline void *mp_blocks_at(const struct mp_blocks *bl, size_t i)
{
    return bl->base + i * bl->stride;
}

/* The index of block p, which must be one of the blocks. */
static inline size_t mp_blocks_index_of(const struct mp_blocks *bl, const void *p)
{
    size_t off = (size_t)((const unsigned char *)p - bl->base);

    return bl->shift >= 0 ? off >> bl->shift : off / bl->stride;
}

/* The index of the block starting at p, or false when p is not the start
 * of one of these blocks: outside the area, or inside a block. Pointers
 * are compared as integers: C defines < between pointers into the same
 * object only, and a foreign pointer is precisely one that is not. */
static inline bool mp_blocks_index(const struct mp_blocks *bl, const void *p, size_t *i)
{
    /* One unsigned subtraction covers both sides: below base, it wraps
     * to a huge offset, as large as any beyond the end. */
    uintptr_t off = (uintptr_t)p - (uintptr_t)bl->base;

    if (off >= bl->bytes)
        return false;
    /* The strides of the usual sizes are powers of two: a shift and a
     * mask then, instead of a 64-bit division (tens of cycles). */
    if (bl->shift >= 0) {
        if ((off & (bl->stride - 1)) != 0)
            return false;
        *i = off >> bl->shift;
        return true;
    }
    if (off % bl->stride != 0)
        return false;
    *i = off / bl->stride;
    return true;
}

/* Block p is handed out: its extent becomes usable, and under ASan its
 * padding up to the next block stays out of bounds, as past a malloc'ed
 * block (a write of size + 1 bytes is reported). */
static inline void mp_blocks_hand_out(const struct mp_blocks *bl, void *p)
{
    mp_unpoison(p, bl->size);
    mp_poison((unsigned char *)p + bl->size, bl->stride - bl->size);
}

/* Block p is back in the pool: under ASan, any use of it is reported
 * until it is handed out again. */
static inline void mp_blocks_take_back(const struct mp_blocks *bl, void *p)
{
    mp_poison(p, bl->stride);
}

#endif
