/* VARIANTS: asan */
/* mempool: debug mode catches a double free and a foreign pointer before
 * they corrupt the pool (specs/mempool.md, MP-017, MP-018). Without
 * MP_DEBUG these calls are undefined behaviour and nothing here tries
 * them. */
#include "libcheck.h"
#include "mempool.h"
#include "mpcheck.h"

enum { N = 70, BS = 64 };

/* Expects free(p, x) to return want and leave p as it was. */
static void refused(const struct kind *k, void *p, void *x, int want, const char *what)
{
    size_t before = k->available(p);
    int err = k->free(p, x);
    if (err != want) {
        print_error("%s (MP_DEBUG): free of %s (%p) returned %d (%s), expected %d (%s)\n", k->name,
                    what, x, err, strerror(-err), want, strerror(-want));
        fail();
    }
    if (k->available(p) != before) {
        print_error("%s (MP_DEBUG): free of %s changed available from %zu to %zu\n", k->name, what,
                    before, k->available(p));
        fail();
    }
}

/* The pool is whole: with the blocks live[0..nlive) in use, exactly
 * available() more can be taken, none of them one of those or of each
 * other (a block pushed twice on a free list comes out twice); then all
 * are given back. */
static void still_whole(const struct kind *k, void *p, void **live, size_t nlive)
{
    size_t n = k->available(p), m = 0;
    struct extent e[N];
    void *got[N];
    if (nlive + n != N) {
        print_error("%s (MP_DEBUG): %zu blocks live and %zu available, of %d\n", k->name, nlive, n,
                    N);
        fail();
    }
    for (size_t i = 0; i < nlive; i++)
        e[m++] = (struct extent){(uintptr_t)live[i], BS, (uint32_t)i};
    for (size_t i = 0; i < n; i++) {
        got[i] = k->alloc(p);
        if (!got[i]) {
            print_error("%s (MP_DEBUG): alloc %zu of the %zu available returned NULL\n", k->name,
                        i + 1, n);
            fail();
        }
        e[m++] = (struct extent){(uintptr_t)got[i], BS, (uint32_t)(1000 + i)};
    }
    void *x = k->alloc(p);
    if (x) {
        print_error("%s (MP_DEBUG): a block more than available (%p)\n", k->name, x);
        fail();
    }
    if (!disjoint(e, m, "after the refused free"))
        fail();
    for (size_t i = 0; i < n; i++)
        assert_int_equal(k->free(p, got[i]), 0);
}

/* REQ: MP-017 */
static void double_free_is_refused(void **state)
{
    (void)state;
    void *b[N];
    for (size_t ki = 0; ki < NKINDS; ki++) {
        const struct kind *k = &KINDS[ki];
        void *p = make_pool(k, BS, N, MP_DEBUG);
        for (size_t i = 0; i < N; i++)
            b[i] = k->alloc(p);

        /* Twice in a row. */
        assert_int_equal(k->free(p, b[5]), 0);
        refused(k, p, b[5], -EALREADY, "a block just freed");
        refused(k, p, b[5], -EALREADY, "a block just freed, a third time");
        b[5] = b[N - 1];
        still_whole(k, p, b, N - 1);

        /* Again after other blocks were freed after it. */
        void *x = b[0], *y = b[1], *z = b[2];
        assert_int_equal(k->free(p, x), 0);
        assert_int_equal(k->free(p, y), 0);
        assert_int_equal(k->free(p, z), 0);
        refused(k, p, x, -EALREADY, "the first of three blocks freed");
        refused(k, p, y, -EALREADY, "the second of three blocks freed");
        b[0] = b[N - 2];
        b[1] = b[N - 3];
        b[2] = b[N - 4];
        still_whole(k, p, b, N - 4);

        /* Every block free: each one of them refused. */
        for (size_t i = 0; i < N - 4; i++)
            assert_int_equal(k->free(p, b[i]), 0);
        void *all[N];
        for (size_t i = 0; i < N; i++)
            all[i] = k->alloc(p);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(k->free(p, all[i]), 0);
        for (size_t i = 0; i < N; i++)
            refused(k, p, all[i], -EALREADY, "a block of a pool all free");
        still_whole(k, p, NULL, 0);

        /* A block not handed out since the last free, while another is. */
        void *one = k->alloc(p);
        for (size_t i = 0; i < N; i++)
            if (all[i] != one)
                refused(k, p, all[i], -EALREADY, "a block free since the last round");
        still_whole(k, p, &one, 1);
        assert_int_equal(k->free(p, one), 0);
        k->destroy(p);
    }
}

/* REQ: MP-018 */
static void foreign_pointer_is_refused(void **state)
{
    (void)state;
    void *b[N];
    for (size_t ki = 0; ki < NKINDS; ki++) {
        const struct kind *k = &KINDS[ki];
        void *p = make_pool(k, BS, N, MP_DEBUG);
        void *other = make_pool(k, BS, N, MP_DEBUG);
        void *theirs = k->alloc(other);
        char *heap = malloc(BS);
        char local[BS];
        assert_non_null(heap);
        uintptr_t lo = UINTPTR_MAX, hi = 0;
        for (size_t i = 0; i < N; i++) {
            b[i] = k->alloc(p);
            lo = (uintptr_t)b[i] < lo ? (uintptr_t)b[i] : lo;
            hi = (uintptr_t)b[i] > hi ? (uintptr_t)b[i] : hi;
        }
        /* Half the blocks free, so a pointer into a free block and
         * into a live one are both tried. */
        for (size_t i = 0; i < N; i += 2)
            assert_int_equal(k->free(p, b[i]), 0);
        void *live[N];
        size_t nlive = 0;
        for (size_t i = 1; i < N; i += 2)
            live[nlive++] = b[i];

        refused(k, p, theirs, -EINVAL, "a block of another pool");
        refused(k, p, heap, -EINVAL, "a malloc'ed pointer");
        refused(k, p, local, -EINVAL, "a local variable's address");
        for (size_t i = 0; i < 4; i++) {
            refused(k, p, (char *)b[i] + 1, -EINVAL, "a block's address + 1");
            refused(k, p, (char *)b[i] + BS / 2, -EINVAL, "a block's address + 32");
            refused(k, p, (char *)b[i] + BS - 1, -EINVAL, "a block's last byte");
        }
        refused(k, p, (void *)(lo - 1), -EINVAL, "the byte below the lowest block");
        refused(k, p, (void *)(lo - MP_ALIGN), -EINVAL, "MP_ALIGN below the lowest block");
        refused(k, p, (void *)(lo - BS), -EINVAL, "a block size below the lowest block");
        refused(k, p, (void *)(hi + BS), -EINVAL, "just past the highest block");
        refused(k, p, (void *)(hi + 64 * BS), -EINVAL, "64 blocks past the highest");
        refused(k, p, (void *)(uintptr_t)MP_ALIGN, -EINVAL, "the address 16");
        still_whole(k, p, live, nlive);
        /* Nothing of the other pool was touched either. */
        assert_int_equal(k->available(other), N - 1);
        assert_int_equal(k->free(other, theirs), 0);
        assert_int_equal(k->available(other), N);
        free(heap);
        k->destroy(other);
        k->destroy(p);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(double_free_is_refused),
    cmocka_unit_test(foreign_pointer_is_refused),
)
/* clang-format on */
