/* Shared, correct mempool for the deliberately broken ones.
 *
 * This is a whole, correct implementation of specs/mempool.h in one
 * header; a broken allocator is a .c file that includes it and replaces
 * one piece through the `hook` table, its wrong lines marked BUG, so that
 * it differs from a correct allocator in exactly that piece.
 * tools/check-broken passes the .c file to `tools/osnet check mempool
 * --impl-src`, which compiles it with the checks.
 *
 * Pools (both kinds): count blocks of `stride` bytes (block_size rounded
 * up to MP_ALIGN) in one aligned_alloc'd region, aligned to
 * min(block_size, MP_MAX_ALIGN) for a power-of-two block_size. The
 * free-list pool threads its free blocks through their first pointer and,
 * in debug mode only, keeps one bit per block (1 = live) to tell a double
 * free. The bitmap pool keeps one bit per block (1 = live) in 64-bit
 * words, searched from the first word that may have a zero bit.
 *
 * Arena: capacity bytes aligned to MP_MAX_ALIGN and an offset `top`, the
 * fill level; a request takes [align_up(top, align), + size).
 *
 * A hook is installed before the checks run by a constructor:
 *
 *     BREAK(arena_fit, fit_that_wraps)
 */
#ifndef OSNET_BROKEN_MEMPOOL_COMMON_H
#define OSNET_BROKEN_MEMPOOL_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mempool.h"

/* The blocks of a pool, of either kind. */
struct blocks {
    char *base; /* block i starts at base + i * stride */
    size_t block_size, stride, count;
    unsigned flags;
};

struct mp_pool {
    struct blocks k;
    void *head;     /* first free block; a free block's first bytes: the next */
    uint64_t *live; /* debug mode only: bit i set = block i is live */
    size_t avail;
};

struct mp_bitmap {
    struct blocks k;
    uint64_t *bits; /* bit i of word i / 64 set: block i is live */
    size_t words, avail;
    size_t hint; /* no zero bit in the words below it */
};

struct mp_arena {
    char *base;
    size_t cap, top, used;
};

#define WORD_BITS 64
#define WORDS(n)  (((n) + WORD_BITS - 1) / WORD_BITS)

struct mp_hooks {
    /* Arguments of a create call: 0 or -EINVAL (count 1 for an arena). */
    int (*check_args)(const void *out, size_t size, size_t count, unsigned flags);
    /* A pool's stride and total bytes: 0, or -EOVERFLOW past PTRDIFF_MAX. */
    int (*geometry)(size_t block_size, size_t count, size_t *stride, size_t *total);
    /* The alignment of a pool's region for that block size. */
    size_t (*region_align)(size_t block_size);
    /* total bytes aligned to align (a power of two): NULL if none. */
    void *(*region)(size_t total, size_t align);
    /* Frees what a pool create obtained: on destroy, and when create fails. */
    void (*release)(void *handle, void *region, void *bits);
    void (*discard)(void *handle, void *region, void *bits);
    /* Threads blocks 0..count-1 of a new free-list pool into its list. */
    void (*pool_thread)(struct mp_pool *p);
    /* Push a block on the free list / pop one (NULL if empty). */
    void (*pool_push)(struct mp_pool *p, void *b);
    void *(*pool_pop)(struct mp_pool *p);
    /* Debug mode: whether block i (at b) is free already. */
    bool (*pool_is_free)(const struct mp_pool *p, size_t i, const void *b);
    /* The index of the block starting at ptr: 0, or -EINVAL if none does. */
    int (*block_index)(const struct blocks *k, const void *ptr, size_t *i);
    /* What free(NULL) returns. */
    int (*free_null)(unsigned flags);
    /* Bitmap: the lowest free block's index, or count if none; set, clear. */
    size_t (*bit_find)(const struct mp_bitmap *b);
    void (*bit_set)(uint64_t *bits, size_t i);
    void (*bit_clear)(uint64_t *bits, size_t i);
    size_t (*bitmap_available)(const struct mp_bitmap *b);
    /* A bitmap free has passed its checks: give the block back. */
    void (*bitmap_give)(struct mp_bitmap *b, size_t i);
    /* Arena: create's memory; 0 with the offset of a request that fits, or -1. */
    int (*arena_new)(struct mp_arena **out, size_t capacity);
    int (*arena_fit)(const struct mp_arena *a, size_t size, size_t align, size_t *off);
    /* The request at off fitted: update the fill level. */
    void (*arena_take)(struct mp_arena *a, size_t off, size_t size);
    void (*arena_reset)(struct mp_arena *a);
    size_t (*arena_mark)(const struct mp_arena *a);
    int (*arena_rewind)(struct mp_arena *a, size_t mark);
    void (*arena_free)(struct mp_arena *a);
};

static struct mp_hooks hook;

#define BREAK(field, fn)                                                                           \
    __attribute__((constructor)) static void break_##field(void)                                   \
    {                                                                                              \
        hook.field = fn;                                                                           \
    }

/* ---- the correct pieces ---- */

static int mpc_check_args(const void *out, size_t size, size_t count, unsigned flags)
{
    if (!out || size == 0 || count == 0 || (flags & ~MP_DEBUG))
        return -EINVAL;
    return 0;
}

static int mpc_geometry(size_t block_size, size_t count, size_t *stride, size_t *total)
{
    if (block_size > PTRDIFF_MAX - (MP_ALIGN - 1))
        return -EOVERFLOW;
    size_t s = (block_size + MP_ALIGN - 1) / MP_ALIGN * MP_ALIGN;
    if (count > PTRDIFF_MAX / s)
        return -EOVERFLOW;
    *stride = s;
    *total = s * count;
    return 0;
}

static size_t mpc_region_align(size_t block_size)
{
    if ((block_size & (block_size - 1)) == 0 && block_size > MP_ALIGN)
        return block_size < MP_MAX_ALIGN ? block_size : MP_MAX_ALIGN;
    return MP_ALIGN;
}

static void *mpc_region(size_t total, size_t align)
{
    /* aligned_alloc wants a size that is a multiple of the alignment;
     * total <= PTRDIFF_MAX, so rounding it up cannot wrap. */
    return aligned_alloc(align, (total + align - 1) & ~(align - 1));
}

static void mpc_release(void *handle, void *region, void *bits)
{
    free(bits);
    free(region);
    free(handle);
}

static void mpc_pool_thread(struct mp_pool *p)
{
    p->head = NULL;
    for (size_t i = p->k.count; i-- > 0;)
        hook.pool_push(p, p->k.base + i * p->k.stride);
}

static void mpc_pool_push(struct mp_pool *p, void *b)
{
    memcpy(b, &p->head, sizeof p->head);
    p->head = b;
}

static void *mpc_pool_pop(struct mp_pool *p)
{
    void *b = p->head;
    if (b)
        memcpy(&p->head, b, sizeof p->head);
    return b;
}

static bool mpc_pool_is_free(const struct mp_pool *p, size_t i, const void *b)
{
    (void)b;
    return !(p->live[i / WORD_BITS] >> (i % WORD_BITS) & 1);
}

static int mpc_block_index(const struct blocks *k, const void *ptr, size_t *i)
{
    uintptr_t at = (uintptr_t)ptr, base = (uintptr_t)k->base;
    if (at < base || (at - base) % k->stride != 0 || (at - base) / k->stride >= k->count)
        return -EINVAL;
    *i = (at - base) / k->stride;
    return 0;
}

static int mpc_free_null(unsigned flags)
{
    (void)flags;
    return 0;
}

static void mpc_bit_set(uint64_t *bits, size_t i)
{
    bits[i / WORD_BITS] |= (uint64_t)1 << (i % WORD_BITS);
}

static void mpc_bit_clear(uint64_t *bits, size_t i)
{
    bits[i / WORD_BITS] &= ~((uint64_t)1 << (i % WORD_BITS));
}

static size_t mpc_bit_find(const struct mp_bitmap *b)
{
    for (size_t w = b->hint; w < b->words; w++) {
        if (b->bits[w] == UINT64_MAX)
            continue;
        size_t i = w * WORD_BITS + (size_t)__builtin_ctzll(~b->bits[w]);
        return i < b->k.count ? i : b->k.count; /* past count: padding bits */
    }
    return b->k.count;
}

static size_t mpc_bitmap_available(const struct mp_bitmap *b)
{
    return b->avail;
}

static void mpc_bitmap_give(struct mp_bitmap *b, size_t i)
{
    hook.bit_clear(b->bits, i);
    if (i / WORD_BITS < b->hint)
        b->hint = i / WORD_BITS;
    b->avail++;
}

static int mpc_arena_new(struct mp_arena **out, size_t capacity)
{
    struct mp_arena *a = calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->base = hook.region(capacity, MP_MAX_ALIGN);
    if (!a->base) {
        free(a);
        return -ENOMEM;
    }
    a->cap = capacity;
    *out = a;
    return 0;
}

static int mpc_arena_fit(const struct mp_arena *a, size_t size, size_t align, size_t *off)
{
    /* top <= cap <= PTRDIFF_MAX and align <= 4096: no wrap here... */
    size_t o = (a->top + align - 1) & ~(align - 1);
    /* ...and none here, since size is compared with what is left. */
    if (o > a->cap || size > a->cap - o)
        return -1;
    *off = o;
    return 0;
}

static void mpc_arena_take(struct mp_arena *a, size_t off, size_t size)
{
    a->top = off + size;
    a->used = a->top;
}

static void mpc_arena_reset(struct mp_arena *a)
{
    a->top = 0;
    a->used = 0;
}

static size_t mpc_arena_mark(const struct mp_arena *a)
{
    return a->used;
}

static int mpc_arena_rewind(struct mp_arena *a, size_t mark)
{
    if (mark > a->top)
        return -EINVAL;
    a->top = mark;
    a->used = mark;
    return 0;
}

static void mpc_arena_free(struct mp_arena *a)
{
    free(a->base);
    free(a);
}

static struct mp_hooks hook = {
    .check_args = mpc_check_args,
    .geometry = mpc_geometry,
    .region_align = mpc_region_align,
    .region = mpc_region,
    .release = mpc_release,
    .discard = mpc_release,
    .pool_thread = mpc_pool_thread,
    .pool_push = mpc_pool_push,
    .pool_pop = mpc_pool_pop,
    .pool_is_free = mpc_pool_is_free,
    .block_index = mpc_block_index,
    .free_null = mpc_free_null,
    .bit_find = mpc_bit_find,
    .bit_set = mpc_bit_set,
    .bit_clear = mpc_bit_clear,
    .bitmap_available = mpc_bitmap_available,
    .bitmap_give = mpc_bitmap_give,
    .arena_new = mpc_arena_new,
    .arena_fit = mpc_arena_fit,
    .arena_take = mpc_arena_take,
    .arena_reset = mpc_arena_reset,
    .arena_mark = mpc_arena_mark,
    .arena_rewind = mpc_arena_rewind,
    .arena_free = mpc_arena_free,
};

/* ---- the API, made of the pieces ---- */

/* The checks and the region of a new pool of either kind. */
static int blocks_init(struct blocks *k, size_t *total, const void *out, size_t block_size,
                       size_t count, unsigned flags)
{
    int err = hook.check_args(out, block_size, count, flags);
    if (err)
        return err;
    err = hook.geometry(block_size, count, &k->stride, total);
    if (err)
        return err;
    k->block_size = block_size;
    k->count = count;
    k->flags = flags;
    return 0;
}

int mp_pool_create(struct mp_pool **out, size_t block_size, size_t count, unsigned flags)
{
    struct blocks k;
    size_t total;
    int err = blocks_init(&k, &total, out, block_size, count, flags);
    if (err)
        return err;
    struct mp_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    k.base = hook.region(total, hook.region_align(block_size));
    if (!k.base)
        goto fail;
    if (flags & MP_DEBUG) {
        p->live = calloc(WORDS(count), sizeof *p->live);
        if (!p->live)
            goto fail;
    }
    p->k = k;
    p->avail = count;
    hook.pool_thread(p);
    *out = p;
    return 0;
fail:
    hook.discard(p, k.base, p->live);
    return -ENOMEM;
}

void mp_pool_destroy(struct mp_pool *p)
{
    if (p)
        hook.release(p, p->k.base, p->live);
}

void *mp_pool_alloc(struct mp_pool *p)
{
    void *b = hook.pool_pop(p);
    if (!b)
        return NULL;
    p->avail--;
    if (p->live) {
        size_t i = (size_t)((char *)b - p->k.base) / p->k.stride;
        p->live[i / WORD_BITS] |= (uint64_t)1 << (i % WORD_BITS);
    }
    return b;
}

int mp_pool_free(struct mp_pool *p, void *block)
{
    if (!block)
        return hook.free_null(p->k.flags);
    if (p->live) {
        size_t i;
        if (hook.block_index(&p->k, block, &i) != 0)
            return -EINVAL;
        if (hook.pool_is_free(p, i, block))
            return -EALREADY;
        p->live[i / WORD_BITS] &= ~((uint64_t)1 << (i % WORD_BITS));
    }
    hook.pool_push(p, block);
    p->avail++;
    return 0;
}

size_t mp_pool_available(const struct mp_pool *p)
{
    return p->avail;
}

int mp_bitmap_create(struct mp_bitmap **out, size_t block_size, size_t count, unsigned flags)
{
    struct blocks k;
    size_t total;
    int err = blocks_init(&k, &total, out, block_size, count, flags);
    if (err)
        return err;
    struct mp_bitmap *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    k.base = hook.region(total, hook.region_align(block_size));
    if (!k.base)
        goto fail;
    b->words = WORDS(count);
    b->bits = calloc(b->words, sizeof *b->bits);
    if (!b->bits)
        goto fail;
    b->k = k;
    b->avail = count;
    *out = b;
    return 0;
fail:
    hook.discard(b, k.base, b->bits);
    return -ENOMEM;
}

void mp_bitmap_destroy(struct mp_bitmap *b)
{
    if (b)
        hook.release(b, b->k.base, b->bits);
}

void *mp_bitmap_alloc(struct mp_bitmap *b)
{
    size_t i = hook.bit_find(b);
    if (i >= b->k.count)
        return NULL;
    hook.bit_set(b->bits, i);
    b->avail--;
    while (b->hint < b->words && b->bits[b->hint] == UINT64_MAX)
        b->hint++;
    return b->k.base + i * b->k.stride;
}

int mp_bitmap_free(struct mp_bitmap *b, void *block)
{
    size_t i;
    if (!block)
        return hook.free_null(b->k.flags);
    if (hook.block_index(&b->k, block, &i) != 0)
        return -EINVAL;
    if (!(b->bits[i / WORD_BITS] >> (i % WORD_BITS) & 1))
        return -EALREADY;
    hook.bitmap_give(b, i);
    return 0;
}

size_t mp_bitmap_available(const struct mp_bitmap *b)
{
    return hook.bitmap_available(b);
}

int mp_arena_create(struct mp_arena **out, size_t capacity, unsigned flags)
{
    int err = hook.check_args(out, capacity, 1, flags);
    if (err)
        return err;
    if (capacity > PTRDIFF_MAX)
        return -EOVERFLOW;
    return hook.arena_new(out, capacity);
}

void mp_arena_destroy(struct mp_arena *a)
{
    if (a)
        hook.arena_free(a);
}

void *mp_arena_alloc(struct mp_arena *a, size_t size, size_t align)
{
    size_t off;
    if (size == 0 || align == 0 || (align & (align - 1)) || align > MP_MAX_ALIGN)
        return NULL;
    if (hook.arena_fit(a, size, align, &off) != 0)
        return NULL;
    hook.arena_take(a, off, size);
    return a->base + off;
}

void mp_arena_reset(struct mp_arena *a)
{
    hook.arena_reset(a);
}

size_t mp_arena_mark(const struct mp_arena *a)
{
    return hook.arena_mark(a);
}

int mp_arena_rewind(struct mp_arena *a, size_t mark)
{
    return hook.arena_rewind(a, mark);
}

#endif
