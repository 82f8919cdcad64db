/* mp_arena: a bump allocator (the API: specs/mempool.h; the requirements:
 * specs/mempool.md; how it works: README.md).
 *
 * One region of `capacity` bytes and one number, the fill level: the
 * offset of the first unused byte. An allocation rounds the fill level up
 * to its alignment and moves it past its size; nothing is freed alone.
 * Reset sets the fill level back to 0, a rewind back to a mark, which is
 * nothing but an earlier fill level: that is the whole allocator. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mempool.h"
#include "poison.h"

/* What debug mode writes over released bytes (reset, rewind), as a pool
 * does over a freed block: a use after release reads garbage. */
#define MP_RELEASED_BYTE 0xdb

struct mp_arena {
    unsigned char *base; /* aligned to MP_MAX_ALIGN */
    size_t capacity;
    size_t used; /* the fill level: bytes base[0 .. used-1] are taken */
    bool debug;
};

/* An empty arena of `capacity` bytes in *out; 0, -EINVAL, -EOVERFLOW or
 * -ENOMEM (*out untouched). */
int mp_arena_create(struct mp_arena **out, size_t capacity, unsigned flags)
{
    struct mp_arena *a;
    void *mem;

    if (out == NULL || (flags & ~MP_DEBUG) != 0 || capacity == 0)
        return -EINVAL;
    /* One object may not exceed PTRDIFF_MAX bytes (C11 6.5.6). Below
     * that, used + align - 1 never wraps in mp_arena_alloc. */
    if (capacity > PTRDIFF_MAX)
        return -EOVERFLOW;
    a = malloc(sizeof *a);
    if (a == NULL)
        return -ENOMEM;
    if (posix_memalign(&mem, MP_MAX_ALIGN, capacity) != 0)
        goto fail;
    a->base = mem;
    a->capacity = capacity;
    a->used = 0;
    a->debug = (flags & MP_DEBUG) != 0;
    *out = a;
    return 0;
fail:
    free(a);
    return -ENOMEM;
}

/* Frees the region and the arena; NULL: nothing. */
void mp_arena_destroy(struct mp_arena *a)
{
    if (a == NULL)
        return;
    free(a->base);
    free(a);
}

/* size bytes at the fill level rounded up to align, which moves past them;
 * NULL (the arena unchanged) when they do not fit or the request is
 * invalid (size 0, align not a power of two up to MP_MAX_ALIGN). */
void *mp_arena_alloc(struct mp_arena *a, size_t size, size_t align)
{
    size_t start;

    if (size == 0 || align == 0 || (align & (align - 1)) != 0 || align > MP_MAX_ALIGN)
        return NULL;
    /* The region starts aligned to MP_MAX_ALIGN, a multiple of align:
     * aligning the offset aligns the address. used <= capacity <=
     * PTRDIFF_MAX, so used + align - 1 does not wrap. */
    start = (a->used + align - 1) & ~(align - 1);
    /* Written so that nothing wraps: size SIZE_MAX is simply too big. */
    if (start > a->capacity || size > a->capacity - start)
        return NULL;
    a->used = start + size;
    mp_unpoison(a->base + start, size);
    return a->base + start;
}

/* Bytes [from, used) are no longer anyone's. */
static void release(struct mp_arena *a, size_t from)
{
    size_t n = a->used - from;

    if (a->debug) {
        /* Under ASan the alignment padding between allocations may still
         * be poisoned from an earlier release. */
        mp_unpoison(a->base + from, n);
        memset(a->base + from, MP_RELEASED_BYTE, n);
    }
    mp_poison(a->base + from, n);
    a->used = from;
}

/* Releases everything: the fill level goes back to 0. */
void mp_arena_reset(struct mp_arena *a)
{
    release(a, 0);
}

/* The fill level, to hand to mp_arena_rewind later. */
size_t mp_arena_mark(const struct mp_arena *a)
{
    return a->used;
}

/* Releases what was allocated since mark; 0, or -EINVAL (the arena
 * unchanged) when mark is above the fill level. */
int mp_arena_rewind(struct mp_arena *a, size_t mark)
{
    /* A mark above the fill level was taken before a reset or a deeper
     * rewind: the bytes it would keep are already released. */
    if (mark > a->used)
        return -EINVAL;
    release(a, mark);
    return 0;
}
