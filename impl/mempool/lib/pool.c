/* mp_pool: fixed-size blocks whose free ones form a singly linked list
 * threaded through the blocks themselves (the API: specs/mempool.h; the
 * requirements: specs/mempool.md; how it works: README.md).
 *
 * A free block's first bytes hold the address of the next free block, so
 * the list costs no memory of its own, and alloc and free are each a
 * pointer swap at the head of the list: the block freed last is handed out
 * first, while it is still warm in the cache.
 *
 * The list starts empty. Blocks never handed out yet are taken in address
 * order from `fresh` on: create touches none of them, so a pool of a
 * million blocks costs nothing until it is used (threading them all into
 * the list at create would write to every page of the area). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "blocks.h"
#include "mempool.h"

/* What a free block holds. */
struct free_block {
    struct free_block *next;
};

/* What debug mode writes over a freed block (MP-019): a use after free
 * then reads 0xdbdbdbdb..., not the old data that would look right. */
#define MP_FREED_BYTE 0xdb

struct mp_pool {
    struct mp_blocks blocks;
    struct free_block *free_list; /* freed blocks, the last freed first */
    size_t fresh;                 /* blocks fresh .. count-1 were never handed out */
    size_t available;             /* list length + (count - fresh) */
    bool debug;
    /* Debug mode only: bit i set = block i is live. The list alone cannot
     * tell whether a block is on it without walking it; one bit per
     * block answers at once and exactly (see README.md). */
    uint64_t live[];
};

/* A pool of `count` blocks of block_size bytes, all free, in *out; 0,
 * -EINVAL, -EOVERFLOW or -ENOMEM (*out untouched). */
int mp_pool_create(struct mp_pool **out, size_t block_size, size_t count, unsigned flags)
{
    struct mp_blocks bl;
    struct mp_pool *p;
    size_t live_bytes = 0;
    int err;

    if (out == NULL || (flags & ~MP_DEBUG) != 0)
        return -EINVAL;
    err = mp_blocks_layout(&bl, block_size, count);
    if (err != 0)
        return err;
    /* count <= PTRDIFF_MAX / MP_ALIGN here, so this cannot wrap. */
    if (flags & MP_DEBUG)
        live_bytes = mp_words(count) * sizeof(uint64_t);
    /* calloc: every bit of live is 0, no block is live. */
    p = calloc(1, sizeof *p + live_bytes);
    if (p == NULL)
        return -ENOMEM;
    p->blocks = bl;
    err = mp_blocks_alloc(&p->blocks);
    if (err != 0)
        goto fail;
    p->free_list = NULL;
    p->fresh = 0;
    p->available = count;
    p->debug = (flags & MP_DEBUG) != 0;
    *out = p;
    return 0;
fail:
    free(p);
    return err;
}

/* Frees the blocks and the pool, blocks in use included; NULL: nothing. */
void mp_pool_destroy(struct mp_pool *p)
{
    if (p == NULL)
        return;
    mp_blocks_free(&p->blocks);
    free(p);
}

/* The block freed last, else the lowest never handed out; NULL when all
 * are in use (the pool unchanged). */
void *mp_pool_alloc(struct mp_pool *p)
{
    struct free_block *b;

    if (p->free_list != NULL) {
        b = p->free_list;
        /* The link is read from a block that ASan was told is free. */
        mp_unpoison(b, sizeof *b);
        p->free_list = b->next;
    } else if (p->fresh < p->blocks.count) {
        b = mp_blocks_at(&p->blocks, p->fresh++);
    } else {
        return NULL; /* exhausted: nothing changed */
    }
    if (p->debug)
        mp_bit_set(p->live, mp_blocks_index_of(&p->blocks, b));
    p->available--;
    mp_blocks_hand_out(&p->blocks, b);
    return b;
}

/* Puts block at the head of the free list; 0. In debug mode -EINVAL for a
 * pointer that is not a block's start, -EALREADY for a free block, and the
 * pool unchanged. */
int mp_pool_free(struct mp_pool *p, void *block)
{
    struct free_block *b = block;

    if (block == NULL)
        return 0;
    if (p->debug) {
        size_t i;

        /* Every check comes before the first change: an error leaves the
         * pool as it was. */
        if (!mp_blocks_index(&p->blocks, block, &i))
            return -EINVAL;
        if (!mp_bit_test(p->live, i))
            return -EALREADY;
        mp_bit_clear(p->live, i);
        memset(block, MP_FREED_BYTE, p->blocks.size);
    }
    /* A block smaller than a pointer keeps its link partly in its
     * padding, which ASan was told is out of bounds. */
    mp_unpoison(b, sizeof *b);
    b->next = p->free_list;
    p->free_list = b;
    p->available++;
    mp_blocks_take_back(&p->blocks, b);
    return 0;
}

/* The number of blocks mp_pool_alloc can still hand out. */
size_t mp_pool_available(const struct mp_pool *p)
{
    return p->available;
}
