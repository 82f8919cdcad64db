/* The timing driver of bench/mempool.py (make bench-mempool): one
 * allocator, one block size, one pattern; prints the mean time of one
 * alloc + free pair in nanoseconds.
 *
 *   mempool_bench ALLOCATOR SIZE PATTERN N ROUNDS SEED
 *
 * ALLOCATOR  malloc (glibc's malloc and free), pool, pool-debug, bitmap,
 *            bitmap-debug, arena (MP_DEBUG for the -debug ones)
 * PATTERN    lifo    N allocations, then the N frees, the last first
 *            fifo    N allocations, then the N frees, the first first
 *            random  4N steps of churn from empty: each step allocates
 *                    (probability 1 - live/N, so about N/2 live) or frees
 *                    a live block picked at random; then the rest are
 *                    freed. The steps come from SEED, fixed per run.
 * A round is one run of the pattern; one round is run untimed first (it
 * brings the pool's pages and malloc's heap in), then ROUNDS timed.
 *
 * The arena frees nothing alone: its free is a no-op and each round
 * ends with mp_arena_reset, whose time is spread over the round's pairs.
 * Pools and the arena are made just large enough: N blocks; the arena,
 * every block a round allocates, one after the other.
 *
 * Each allocated block gets its own address written into its first word,
 * checked just before its free: a block handed out twice while live would
 * be caught (exit 1) instead of timed. The calls of every allocator are
 * direct calls to code in another object file (libmempool.a, libc.so), so
 * none of them is inlined into the loop. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mempool.h"

enum pattern { LIFO, FIFO, RANDOM };

/* A step of the random pattern: OP_ALLOC allocates, any other value r
 * frees the live block in slot r. The steps are made before the clock
 * starts, the same for every allocator. */
#define OP_ALLOC UINT32_MAX

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (p == NULL) {
        fprintf(stderr, "mempool_bench: out of memory\n");
        exit(1);
    }
    return p;
}

/* splitmix64: a small generator whose output depends on the seed only. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The steps of the random pattern for n slots; *nops gets their number,
 * *nallocs how many allocate. The live count never leaves 0..n. */
static uint32_t *make_churn(size_t n, uint64_t seed, size_t *nops, size_t *nallocs)
{
    size_t steps = 4 * n, live = 0, allocs = 0;
    uint32_t *ops = xcalloc(steps, sizeof *ops);

    for (size_t i = 0; i < steps; i++) {
        uint64_t r = next_random(&seed);

        if (live < n && (live == 0 || r % n >= live)) {
            ops[i] = OP_ALLOC;
            live++;
            allocs++;
        } else {
            ops[i] = (uint32_t)((r >> 32) % live);
            live--;
        }
    }
    *nops = steps;
    *nallocs = allocs;
    return ops;
}

static void corrupt(void *p)
{
    fprintf(stderr, "mempool_bench: block %p was overwritten while live\n", p);
    exit(1);
}

static void exhausted(void)
{
    fprintf(stderr, "mempool_bench: an allocation failed\n");
    exit(1);
}

/* One round of a pattern, for one allocator: ALLOC is an expression giving
 * a block, FREE(p) a statement freeing p. slot holds the live blocks. */
#define ROUND(pattern, ALLOC, FREE)                                                                \
    do {                                                                                           \
        void *p_;                                                                                  \
        size_t live_ = 0;                                                                          \
        switch (pattern) {                                                                         \
        case LIFO:                                                                                 \
        case FIFO:                                                                                 \
            for (size_t i_ = 0; i_ < n; i_++) {                                                    \
                if ((p_ = (ALLOC)) == NULL)                                                        \
                    exhausted();                                                                   \
                *(void **)p_ = p_;                                                                 \
                slot[i_] = p_;                                                                     \
            }                                                                                      \
            for (size_t i_ = 0; i_ < n; i_++) {                                                    \
                p_ = slot[(pattern) == LIFO ? n - 1 - i_ : i_];                                    \
                if (*(void **)p_ != p_)                                                            \
                    corrupt(p_);                                                                   \
                FREE(p_);                                                                          \
            }                                                                                      \
            break;                                                                                 \
        case RANDOM:                                                                               \
            for (size_t i_ = 0; i_ < nops; i_++) {                                                 \
                if (ops[i_] == OP_ALLOC) {                                                         \
                    if ((p_ = (ALLOC)) == NULL)                                                    \
                        exhausted();                                                               \
                    *(void **)p_ = p_;                                                             \
                    slot[live_++] = p_;                                                            \
                } else {                                                                           \
                    p_ = slot[ops[i_]];                                                            \
                    slot[ops[i_]] = slot[--live_];                                                 \
                    if (*(void **)p_ != p_)                                                        \
                        corrupt(p_);                                                               \
                    FREE(p_);                                                                      \
                }                                                                                  \
            }                                                                                      \
            while (live_ > 0) {                                                                    \
                p_ = slot[--live_];                                                                \
                if (*(void **)p_ != p_)                                                            \
                    corrupt(p_);                                                                   \
                FREE(p_);                                                                          \
            }                                                                                      \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

#define FREE_MALLOC(p) free(p)
#define FREE_NOTHING(p) ((void)(p))
#define FREE_POOL(p)                                                                               \
    do {                                                                                           \
        if (mp_pool_free(pool, (p)) != 0)                                                          \
            corrupt(p);                                                                            \
    } while (0)
#define FREE_BITMAP(p)                                                                             \
    do {                                                                                           \
        if (mp_bitmap_free(bitmap, (p)) != 0)                                                      \
            corrupt(p);                                                                            \
    } while (0)

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: mempool_bench malloc|pool|pool-debug|bitmap|bitmap-debug|arena "
                    "SIZE lifo|fifo|random N ROUNDS SEED\n");
    exit(2);
}

static size_t number(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > UINT32_MAX)
        usage();
    return (size_t)v;
}

int main(int argc, char **argv)
{
    const char *who;
    enum pattern pattern;
    size_t size, n, rounds, nops = 0, pairs;
    uint64_t seed, t0 = 0;
    uint32_t *ops = NULL;
    void **slot;
    struct mp_pool *pool = NULL;
    struct mp_bitmap *bitmap = NULL;
    struct mp_arena *arena = NULL;
    int err = 0;

    if (argc != 7)
        usage();
    who = argv[1];
    size = number(argv[2]);
    if (strcmp(argv[3], "lifo") == 0)
        pattern = LIFO;
    else if (strcmp(argv[3], "fifo") == 0)
        pattern = FIFO;
    else if (strcmp(argv[3], "random") == 0)
        pattern = RANDOM;
    else
        usage();
    n = number(argv[4]);
    rounds = number(argv[5]);
    seed = number(argv[6]);
    if (size < sizeof(void *))
        usage();

    pairs = n;
    if (pattern == RANDOM)
        ops = make_churn(n, seed, &nops, &pairs);
    slot = xcalloc(n, sizeof *slot);

    if (strcmp(who, "pool") == 0 || strcmp(who, "pool-debug") == 0)
        err = mp_pool_create(&pool, size, n, strchr(who, '-') ? MP_DEBUG : 0);
    else if (strcmp(who, "bitmap") == 0 || strcmp(who, "bitmap-debug") == 0)
        err = mp_bitmap_create(&bitmap, size, n, strchr(who, '-') ? MP_DEBUG : 0);
    else if (strcmp(who, "arena") == 0)
        /* Every block of a round, each at the next multiple of MP_ALIGN. */
        err = mp_arena_create(&arena, pairs * ((size + MP_ALIGN - 1) & ~(MP_ALIGN - 1)), 0);
    else if (strcmp(who, "malloc") != 0)
        usage();
    if (err != 0) {
        fprintf(stderr, "mempool_bench: create: %s\n", strerror(-err));
        return 1;
    }

    /* Round 0 is the warm-up; the clock starts before round 1. */
    for (size_t r = 0; r <= rounds; r++) {
        if (r == 1)
            t0 = now_ns();
        if (pool != NULL)
            ROUND(pattern, mp_pool_alloc(pool), FREE_POOL);
        else if (bitmap != NULL)
            ROUND(pattern, mp_bitmap_alloc(bitmap), FREE_BITMAP);
        else if (arena != NULL) {
            ROUND(pattern, mp_arena_alloc(arena, size, MP_ALIGN), FREE_NOTHING);
            mp_arena_reset(arena);
        } else
            ROUND(pattern, malloc(size), FREE_MALLOC);
    }
    printf("%.3f\n", (double)(now_ns() - t0) / ((double)rounds * (double)pairs));

    mp_pool_destroy(pool);
    mp_bitmap_destroy(bitmap);
    mp_arena_destroy(arena);
    free(slot);
    free(ops);
    return 0;
}
