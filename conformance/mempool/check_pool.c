/* VARIANTS: asan */
/* mempool: the two fixed-size block pools, free-list and bitmap, each in
 * both modes (specs/mempool.md, MP-010 to MP-016). */
#include "libcheck.h"
#include "mempool.h"
#include "mpcheck.h"

/* Runs its argument once per pool kind and mode, with k and flags set. */
#define EACH_POOL(...)                                                                             \
    for (size_t ki_ = 0; ki_ < NKINDS; ki_++)                                                      \
        for (size_t mi_ = 0; mi_ < NMODES; mi_++) {                                                \
            const struct kind *k = &KINDS[ki_];                                                    \
            unsigned flags = MODES[mi_];                                                           \
            __VA_ARGS__                                                                            \
        }

/* Takes every block of p (n expected), failing if one is missing. */
static void take_all(const struct kind *k, void *p, void **b, size_t n, size_t bs, unsigned flags)
{
    for (size_t i = 0; i < n; i++) {
        b[i] = k->alloc(p);
        if (!b[i]) {
            print_error("%s (%s) of %zu blocks of %zu bytes: alloc %zu returned NULL "
                        "(available said %zu)\n",
                        k->name, MODE_NAME(flags), n, bs, i + 1, k->available(p));
            fail();
        }
    }
}

/* Expects alloc to return NULL, several times over. */
static void exhausted(const struct kind *k, void *p, size_t n, size_t bs, unsigned flags)
{
    for (int t = 0; t < 3; t++) {
        void *x = k->alloc(p);
        if (x) {
            print_error("%s (%s) of %zu blocks of %zu bytes: alloc %zu returned %p, "
                        "expected NULL (all %zu in use)\n",
                        k->name, MODE_NAME(flags), n, bs, n + 1 + (size_t)t, x, n);
            fail();
        }
    }
}

/* REQ: MP-010 */
static void pool_hands_out_exactly_n_blocks(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 8, 24, 64, 100, 4096};
    static const size_t counts[] = {1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 130, 1000};
    void *b[1000];
    EACH_POOL({
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                size_t bs = sizes[s], n = counts[c];
                void *p = make_pool(k, bs, n, flags);
                take_all(k, p, b, n, bs, flags);
                exhausted(k, p, n, bs, flags);
                /* Nothing changed: one freed block comes back, once. */
                assert_int_equal(k->free(p, b[n / 2]), 0);
                b[n / 2] = k->alloc(p);
                assert_non_null(b[n / 2]);
                exhausted(k, p, n, bs, flags);
                k->destroy(p);
            }
    })
}

/* REQ: MP-011 */
static void pool_blocks_are_aligned(void **state)
{
    (void)state;
    static const size_t sizes[] = {1,  2,  3,   4,   7,   8,   9,    15,   16,   17,   24,   32,
                                   48, 64, 100, 128, 256, 512, 1000, 1024, 2048, 4096, 8192, 16384};
    void *b[9];
    EACH_POOL({
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t bs = sizes[s], want = block_align(bs);
            void *p = make_pool(k, bs, 9, flags);
            for (int round = 0; round < 2; round++) {
                take_all(k, p, b, 9, bs, flags);
                for (size_t i = 0; i < 9; i++)
                    if (!aligned(b[i], want)) {
                        print_error("%s (%s), blocks of %zu bytes: block at %p "
                                    "is not aligned to %zu\n",
                                    k->name, MODE_NAME(flags), bs, b[i], want);
                        fail();
                    }
                for (size_t i = 0; i < 9; i++)
                    assert_int_equal(k->free(p, b[(i * 4) % 9]), 0);
            }
            k->destroy(p);
        }
    })
}

/* REQ: MP-012 */
static void live_blocks_do_not_overlap(void **state)
{
    (void)state;
    static const struct {
        size_t bs, n;
    } cases[] = {{1, 200}, {7, 65}, {16, 64}, {24, 130}, {100, 33}, {4096, 20}};
    struct extent e[3 * 200 + 1];
    EACH_POOL({
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            size_t bs = cases[c].bs, n = cases[c].n, m = 0;
            /* Two pools of the kind, the other kind and an arena at once. */
            void *p = make_pool(k, bs, n, flags);
            void *q = make_pool(k, bs, n, flags);
            const struct kind *o = &KINDS[(ki_ + 1) % NKINDS];
            void *r = make_pool(o, bs, n, flags);
            struct mp_arena *a = make_arena(bs, flags);
            for (size_t i = 0; i < n; i++) {
                void *x = k->alloc(p), *y = k->alloc(q), *z = o->alloc(r);
                assert_true(x && y && z);
                e[m++] = (struct extent){(uintptr_t)x, bs, (uint32_t)i};
                e[m++] = (struct extent){(uintptr_t)y, bs, (uint32_t)(1000 + i)};
                e[m++] = (struct extent){(uintptr_t)z, bs, (uint32_t)(2000 + i)};
            }
            void *w = mp_arena_alloc(a, bs, 1);
            assert_non_null(w);
            e[m++] = (struct extent){(uintptr_t)w, bs, 3000};
            char what[96];
            snprintf(what, sizeof what, "%s (%s), %zu blocks of %zu bytes", k->name,
                     MODE_NAME(flags), n, bs);
            if (!disjoint(e, m, what))
                fail();
            k->destroy(p);
            k->destroy(q);
            o->destroy(r);
            mp_arena_destroy(a);
        }
    })
}

/* REQ: MP-013 */
static void live_blocks_keep_their_contents(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 33, 64, 100};
    enum { N = 64, OPS = 1500 };
    void *b[N];
    uint32_t id[N];
    EACH_POOL({
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t bs = sizes[s];
            uint64_t seed = 0x9e3779b97f4a7c15u + bs;
            uint32_t next_id = 1;
            char what[96];
            snprintf(what, sizeof what, "%s (%s), blocks of %zu bytes", k->name, MODE_NAME(flags),
                     bs);
            void *p = make_pool(k, bs, N, flags);
            for (size_t i = 0; i < N; i++) {
                b[i] = k->alloc(p);
                assert_non_null(b[i]);
                id[i] = next_id++;
                fill(b[i], bs, id[i]);
            }
            /* Random frees and allocations; every live block checked
             * after each, so a write into one is caught at once. */
            for (int op = 0; op < OPS; op++) {
                size_t i = rnd(&seed) % N;
                if (b[i]) {
                    if (!intact(b[i], bs, id[i], what))
                        fail();
                    assert_int_equal(k->free(p, b[i]), 0);
                    b[i] = NULL;
                } else {
                    b[i] = k->alloc(p);
                    assert_non_null(b[i]);
                    id[i] = next_id++;
                    fill(b[i], bs, id[i]);
                }
                for (size_t j = 0; j < N; j++)
                    if (b[j] && !intact(b[j], bs, id[j], what)) {
                        print_error("after operation %d\n", op);
                        fail();
                    }
            }
            k->destroy(p);
        }
    })
}

/* REQ: MP-014 */
static void freed_blocks_come_back(void **state)
{
    (void)state;
    static const size_t counts[] = {1, 3, 64, 65, 200};
    void *b[200];
    EACH_POOL({
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t n = counts[c], bs = 40;
            void *p = make_pool(k, bs, n, flags);
            take_all(k, p, b, n, bs, flags);
            /* Give back kk of them (7 is prime to every count here, so
             * these are kk different blocks): exactly kk come back,
             * and they are the ones given back. */
            for (size_t kk = 1; kk <= n; kk = kk * 3 + 1) {
                void *given[200], *again[200];
                for (size_t i = 0; i < kk; i++) {
                    size_t at = (i * 7 + kk) % n;
                    given[i] = b[at];
                    int err = k->free(p, given[i]);
                    if (err != 0) {
                        print_error("%s (%s): free of live block %p returned "
                                    "%d (%s)\n",
                                    k->name, MODE_NAME(flags), given[i], err, strerror(-err));
                        fail();
                    }
                }
                take_all(k, p, again, kk, bs, flags);
                exhausted(k, p, n, bs, flags);
                for (size_t i = 0; i < kk; i++) {
                    bool found = false;
                    for (size_t j = 0; j < kk; j++)
                        found |= again[i] == given[j];
                    if (!found) {
                        print_error("%s (%s): after freeing %zu blocks, alloc "
                                    "returned %p, not one of them\n",
                                    k->name, MODE_NAME(flags), kk, again[i]);
                        fail();
                    }
                }
                for (size_t i = 0; i < kk; i++)
                    b[(i * 7 + kk) % n] = again[i];
            }
            /* Alternating alloc and free far more often than n. */
            for (size_t i = 0; i < n; i++)
                assert_int_equal(k->free(p, b[i]), 0);
            for (size_t i = 0; i < 20 * n + 1000; i++) {
                void *x = k->alloc(p);
                if (!x) {
                    print_error("%s (%s) of %zu blocks: alloc returned NULL on "
                                "round %zu of alloc-free\n",
                                k->name, MODE_NAME(flags), n, i);
                    fail();
                }
                assert_int_equal(k->free(p, x), 0);
            }
            take_all(k, p, b, n, bs, flags);
            exhausted(k, p, n, bs, flags);
            k->destroy(p);
        }
    })
}

/* REQ: MP-015 */
static void available_counts_free_blocks(void **state)
{
    (void)state;
    enum { N = 130 };
    void *b[N];
    EACH_POOL({
        uint64_t seed = 12345;
        void *p = make_pool(k, 32, N, flags);
        size_t live = 0;
        for (size_t i = 0; i < N; i++)
            b[i] = NULL;
        assert_int_equal(k->available(p), N);
        for (int op = 0; op < 5000; op++) {
            size_t i = rnd(&seed) % N;
            if (b[i]) {
                assert_int_equal(k->free(p, b[i]), 0);
                b[i] = NULL;
                live--;
            } else {
                b[i] = k->alloc(p);
                assert_non_null(b[i]);
                live++;
            }
            size_t got = k->available(p);
            if (got != N - live) {
                print_error("%s (%s) of %d blocks, %zu live: available returned %zu\n", k->name,
                            MODE_NAME(flags), N, live, got);
                fail();
            }
        }
        for (size_t i = 0; i < N; i++)
            if (!b[i])
                b[i] = k->alloc(p);
        assert_int_equal(k->available(p), 0);
        assert_null(k->alloc(p));
        assert_int_equal(k->available(p), 0);
        k->destroy(p);
    })
}

/* REQ: MP-016 */
static void free_of_null_does_nothing(void **state)
{
    (void)state;
    void *b[10];
    EACH_POOL({
        void *p = make_pool(k, 16, 10, flags);
        /* On a new pool, then on a full one. */
        for (int round = 0; round < 4; round++) {
            if (round == 2)
                take_all(k, p, b, 10, 16, flags);
            int err = k->free(p, NULL);
            if (err != 0) {
                print_error("%s (%s): free(NULL) returned %d (%s), expected 0\n", k->name,
                            MODE_NAME(flags), err, strerror(-err));
                fail();
            }
            assert_int_equal(k->available(p), round < 2 ? 10 : 0);
        }
        exhausted(k, p, 10, 16, flags);
        for (int i = 0; i < 10; i++)
            assert_int_equal(k->free(p, b[i]), 0);
        take_all(k, p, b, 10, 16, flags);
        exhausted(k, p, 10, 16, flags);
        k->destroy(p);
    })
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(pool_hands_out_exactly_n_blocks),
    cmocka_unit_test(pool_blocks_are_aligned),
    cmocka_unit_test(live_blocks_do_not_overlap),
    cmocka_unit_test(live_blocks_keep_their_contents),
    cmocka_unit_test(freed_blocks_come_back),
    cmocka_unit_test(available_counts_free_blocks),
    cmocka_unit_test(free_of_null_does_nothing),
)
/* clang-format on */
