/* mempool.h: three small allocators (specs/mempool.md; this header is part
 * of the spec).
 *
 *   mp_pool_*    fixed-size blocks; the free blocks form a singly linked
 *                list threaded through the blocks themselves
 *   mp_bitmap_*  fixed-size blocks; one bit per block says which are in use
 *   mp_arena_*   a bump allocator: any size, any power-of-two alignment,
 *                everything released at once by reset (or back to a mark)
 *
 * Memory: each create call obtains all the memory its allocator will ever
 * hand out (the blocks, the arena's bytes) and its bookkeeping, and
 * destroy gives it all back. Allocation and free never call malloc: once
 * created, an allocator cannot fail for lack of system memory, only by
 * being exhausted.
 *
 * Return conventions (DESIGN.md): create functions return 0 and store the
 * new allocator in *out, or return a negative errno and leave *out alone:
 *   -EINVAL     an argument is out of its stated range (a zero size or
 *               count, an unknown flag, a NULL out pointer)
 *   -EOVERFLOW  the memory asked for does not fit in a ptrdiff_t (it
 *               cannot be one object), including when size arithmetic
 *               would wrap around in size_t
 *   -ENOMEM     the memory could not be obtained
 * Allocation functions return a pointer, or NULL when they cannot serve the
 * request (exhausted, or an invalid request); NULL is never a crash and
 * never leaves the allocator changed.
 *
 * None of these objects is thread-safe: one thread uses an allocator at a
 * time (the caller locks if it shares one).
 */
#ifndef OSNET_MEMPOOL_H
#define OSNET_MEMPOOL_H

#include <stddef.h>

/* The alignment every pool and bitmap block has at least: that of any
 * object type (16 on x86-64). */
#define MP_ALIGN _Alignof(max_align_t)

/* The largest alignment anything here guarantees or accepts: a pool of
 * 8192-byte blocks has them aligned to 4096, and the arena accepts
 * alignments up to 4096. */
#define MP_MAX_ALIGN ((size_t)4096)

/* Flag for the create functions: debug mode. The allocator checks every
 * free (double free, a pointer that is not one of its blocks) and returns
 * an error instead of corrupting itself. Chosen at run time, so one build
 * serves both modes. */
#define MP_DEBUG 1u

/* ------------------------------------------------------------------ */
/* Free-list pool                                                      */

struct mp_pool;

/* Creates a pool of exactly `count` blocks of `block_size` bytes each.
 * Every block is aligned to MP_ALIGN, and when block_size is a power of
 * two also to min(block_size, MP_MAX_ALIGN). flags: 0 or MP_DEBUG.
 * Returns 0 and *out, or -EINVAL (block_size or count 0, out NULL, an
 * unknown flag), -EOVERFLOW (count blocks of block_size, each rounded up
 * to a multiple of MP_ALIGN, exceed PTRDIFF_MAX bytes), -ENOMEM. */
int mp_pool_create(struct mp_pool **out, size_t block_size, size_t count, unsigned flags);

/* Frees the pool and all its memory, including blocks still in use (their
 * pointers become invalid). NULL is a no-op. */
void mp_pool_destroy(struct mp_pool *p);

/* Returns a free block (contents unspecified), now in use, or NULL when
 * all `count` blocks are in use. */
void *mp_pool_alloc(struct mp_pool *p);

/* Returns `block` to the pool; it may be handed out again. NULL: no-op,
 * returns 0. In debug mode, returns -EINVAL if block is not the start of
 * one of this pool's blocks, -EALREADY if it is a block that is already
 * free, and the pool is unchanged; otherwise 0. Without debug mode such
 * a call is undefined behaviour. */
int mp_pool_free(struct mp_pool *p, void *block);

/* The number of blocks mp_pool_alloc can still hand out right now. */
size_t mp_pool_available(const struct mp_pool *p);

/* ------------------------------------------------------------------ */
/* Bitmap pool: the same contract, bookkeeping in a bitmap             */

struct mp_bitmap;

/* As mp_pool_create, for a bitmap pool. */
int mp_bitmap_create(struct mp_bitmap **out, size_t block_size, size_t count, unsigned flags);

/* As mp_pool_destroy. */
void mp_bitmap_destroy(struct mp_bitmap *b);

/* As mp_pool_alloc. */
void *mp_bitmap_alloc(struct mp_bitmap *b);

/* As mp_pool_free. */
int mp_bitmap_free(struct mp_bitmap *b, void *block);

/* As mp_pool_available. */
size_t mp_bitmap_available(const struct mp_bitmap *b);

/* ------------------------------------------------------------------ */
/* Bump arena                                                          */

struct mp_arena;

/* Creates an arena of exactly `capacity` bytes, whose first byte is
 * aligned to MP_MAX_ALIGN. flags: 0 or MP_DEBUG (accepted so that all
 * three are created alike; an arena has no free to check). Returns 0 and
 * *out, or -EINVAL (capacity 0, out NULL, an unknown flag), -EOVERFLOW
 * (capacity > PTRDIFF_MAX), -ENOMEM. */
int mp_arena_create(struct mp_arena **out, size_t capacity, unsigned flags);

/* Frees the arena and all its memory. NULL is a no-op. */
void mp_arena_destroy(struct mp_arena *a);

/* Returns `size` bytes aligned to `align` (contents unspecified): those
 * at the least multiple of align at or above the fill level (see
 * mp_arena_mark), which moves to their end. NULL when they do not fit,
 * when size is 0, or when align is not a power of two from 1 to
 * MP_MAX_ALIGN. Never wraps around: size SIZE_MAX is simply NULL. */
void *mp_arena_alloc(struct mp_arena *a, size_t size, size_t align);

/* Releases every allocation at once: the whole capacity can be handed out
 * again. Pointers from before the reset become invalid. */
void mp_arena_reset(struct mp_arena *a);

/* The arena's fill level, a mark to rewind to later: the offset of its
 * first unused byte from its start, i.e. the bytes in use, alignment
 * padding included (0 when empty). */
size_t mp_arena_mark(const struct mp_arena *a);

/* Releases every allocation made since `mark` was taken, keeping the
 * older ones. Returns 0, or -EINVAL (arena unchanged) if mark is above
 * the current fill level (taken before a reset or an earlier rewind that
 * went below it). */
int mp_arena_rewind(struct mp_arena *a, size_t mark);

#endif
