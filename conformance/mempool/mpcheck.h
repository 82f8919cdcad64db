/* What the mempool checks share: the two pool kinds behind one table (every
 * pool requirement holds for both), the two modes, byte patterns that
 * tell one block's contents from another's, and the overlap test.
 */
#ifndef OSNET_MPCHECK_H
#define OSNET_MPCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "libcheck.h"
#include "mempool.h"

/* A pool of either kind, through void pointers. */
struct kind {
    const char *name;
    int (*create)(void **out, size_t block_size, size_t count, unsigned flags);
    void (*destroy)(void *p);
    void *(*alloc)(void *p);
    int (*free)(void *p, void *block);
    size_t (*available)(void *p);
};

static inline int k_pool_create(void **out, size_t bs, size_t n, unsigned flags)
{
    return mp_pool_create((struct mp_pool **)out, bs, n, flags);
}
static inline void k_pool_destroy(void *p)
{
    mp_pool_destroy(p);
}
static inline void *k_pool_alloc(void *p)
{
    return mp_pool_alloc(p);
}
static inline int k_pool_free(void *p, void *b)
{
    return mp_pool_free(p, b);
}
static inline size_t k_pool_available(void *p)
{
    return mp_pool_available(p);
}

static inline int k_bitmap_create(void **out, size_t bs, size_t n, unsigned flags)
{
    return mp_bitmap_create((struct mp_bitmap **)out, bs, n, flags);
}
static inline void k_bitmap_destroy(void *p)
{
    mp_bitmap_destroy(p);
}
static inline void *k_bitmap_alloc(void *p)
{
    return mp_bitmap_alloc(p);
}
static inline int k_bitmap_free(void *p, void *b)
{
    return mp_bitmap_free(p, b);
}
static inline size_t k_bitmap_available(void *p)
{
    return mp_bitmap_available(p);
}

__attribute__((unused)) static const struct kind KINDS[] = {
    {"mp_pool", k_pool_create, k_pool_destroy, k_pool_alloc, k_pool_free, k_pool_available},
    {"mp_bitmap", k_bitmap_create, k_bitmap_destroy, k_bitmap_alloc, k_bitmap_free,
     k_bitmap_available},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

__attribute__((unused)) static const unsigned MODES[] = {0, MP_DEBUG};
#define NMODES           2
#define MODE_NAME(flags) ((flags)&MP_DEBUG ? "MP_DEBUG" : "flags 0")

/* Creates a pool that must be created: the checks of MP-001 and MP-002
 * say why not, the others just need one. */
static inline void *make_pool(const struct kind *k, size_t bs, size_t n, unsigned flags)
{
    void *p = NULL;
    int err = k->create(&p, bs, n, flags);
    if (err != 0 || p == NULL) {
        print_error("%s_create(block_size %zu, count %zu, %s) returned %d (%s), "
                    "pool %p\n",
                    k->name, bs, n, MODE_NAME(flags), err, strerror(-err), p);
        fail();
    }
    return p;
}

static inline struct mp_arena *make_arena(size_t cap, unsigned flags)
{
    struct mp_arena *a = NULL;
    int err = mp_arena_create(&a, cap, flags);
    if (err != 0 || a == NULL) {
        print_error("mp_arena_create(capacity %zu, %s) returned %d (%s)\n", cap, MODE_NAME(flags),
                    err, strerror(-err));
        fail();
    }
    return a;
}

/* The byte at offset i of the block known as id: neighbours and blocks
 * of different ids differ, and so does a stored pointer. */
static inline uint8_t pattern(uint32_t id, size_t i)
{
    uint32_t x = id * 2654435761u + (uint32_t)i * 40503u;
    return (uint8_t)(x >> 13 ^ x);
}

static inline void fill(void *p, size_t n, uint32_t id)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(id, i);
}

/* Whether the n bytes at p still hold id's pattern; if not, says where. */
static inline bool intact(const void *p, size_t n, uint32_t id, const char *what)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != pattern(id, i)) {
            print_error("%s: block %u at %p (%zu bytes): byte %zu is 0x%02x, was "
                        "written 0x%02x: changed while the block was live\n",
                        what, id, p, n, i, b[i], pattern(id, i));
            return false;
        }
    }
    return true;
}

static inline bool aligned(const void *p, size_t a)
{
    return (uintptr_t)p % a == 0;
}

/* The alignment MP-011 promises a block of that size. */
static inline size_t block_align(size_t bs)
{
    if ((bs & (bs - 1)) == 0 && bs > MP_ALIGN)
        return bs < MP_MAX_ALIGN ? bs : MP_MAX_ALIGN;
    return MP_ALIGN;
}

/* One live extent. */
struct extent {
    uintptr_t at;
    size_t len;
    uint32_t id;
};

static inline int by_address(const void *a, const void *b)
{
    const struct extent *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Sorts e[0..n) by address and checks no two overlap (and none is NULL
 * or wraps past the end of the address space). */
static inline bool disjoint(struct extent *e, size_t n, const char *what)
{
    qsort(e, n, sizeof *e, by_address);
    for (size_t i = 0; i < n; i++) {
        if (e[i].at == 0 || e[i].at + e[i].len < e[i].at) {
            print_error("%s: block %u at %#lx (%zu bytes) is not a valid extent\n", what, e[i].id,
                        (unsigned long)e[i].at, e[i].len);
            return false;
        }
        if (i > 0 && e[i - 1].at + e[i - 1].len > e[i].at) {
            print_error("%s: block %u [%#lx, +%zu) and block %u [%#lx, +%zu) overlap\n", what,
                        e[i - 1].id, (unsigned long)e[i - 1].at, e[i - 1].len, e[i].id,
                        (unsigned long)e[i].at, e[i].len);
            return false;
        }
    }
    return true;
}

/* A small deterministic generator: the same run every time. */
static inline uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#endif
