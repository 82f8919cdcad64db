/* VARIANTS: asan */
/* mempool: creating and destroying the three allocators (specs/mempool.md,
 * MP-001 to MP-006 but MP-004, which faults/mempool/ checks). */
#include "libcheck.h"
#include "mempool.h"
#include "mpcheck.h"

/* What a create call that must fail is given as *out: it must stay. */
static char untouched;
#define SENTINEL ((void *)&untouched)

/* Uses a new pool a little: every block once, then all back. */
static void exercise_pool(const struct kind *k, void *p, size_t bs, size_t n)
{
    void **b = calloc(n, sizeof *b);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        b[i] = k->alloc(p);
        if (!b[i]) {
            print_error("%s of %zu blocks of %zu bytes: alloc %zu returned NULL\n", k->name, n, bs,
                        i + 1);
            fail();
        }
        memset(b[i], 0xab, bs);
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(k->free(p, b[i]), 0);
    free(b);
}

/* REQ: MP-001 */
static void create_accepts_arguments_in_range(void **state)
{
    (void)state;
    static const struct {
        size_t bs, n;
    } sizes[] = {
        {1, 1},   {1, 100000}, {3, 7},    {8, 1000},  {16, 100000}, {24, 5},
        {100, 3}, {4096, 64},  {4097, 2}, {65536, 3}, {1048576, 4}, {1048575, 1},
    };
    for (size_t ki = 0; ki < NKINDS; ki++)
        for (size_t m = 0; m < NMODES; m++)
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                const struct kind *k = &KINDS[ki];
                void *p = make_pool(k, sizes[i].bs, sizes[i].n, MODES[m]);
                exercise_pool(k, p, sizes[i].bs, sizes[i].n);
                k->destroy(p);
            }
    static const size_t caps[] = {1, 2, 15, 4096, 4097, 1 << 20, 16 << 20};
    for (size_t m = 0; m < NMODES; m++)
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
            struct mp_arena *a = make_arena(caps[i], MODES[m]);
            void *p = mp_arena_alloc(a, caps[i], 1);
            if (!p) {
                print_error("arena of %zu bytes: alloc(%zu, 1) returned NULL\n", caps[i], caps[i]);
                fail();
            }
            memset(p, 0xab, caps[i]);
            mp_arena_destroy(a);
        }
}

/* Expects create to fail with want and to leave *out alone. */
static void pool_refused(const struct kind *k, size_t bs, size_t n, unsigned flags, int want)
{
    void *p = SENTINEL;
    int err = k->create(&p, bs, n, flags);
    if (err != want || p != SENTINEL) {
        print_error("%s_create(block_size %zu, count %zu, flags %#x) returned %d (%s), "
                    "*out %s; expected %d (%s), *out unchanged\n",
                    k->name, bs, n, flags, err, strerror(-err),
                    p == SENTINEL ? "unchanged" : "changed", want, strerror(-want));
        if (err == 0 && p != SENTINEL)
            k->destroy(p);
        fail();
    }
}

static void arena_refused(size_t cap, unsigned flags, int want)
{
    struct mp_arena *a = SENTINEL;
    int err = mp_arena_create(&a, cap, flags);
    if (err != want || a != SENTINEL) {
        print_error("mp_arena_create(capacity %zu, flags %#x) returned %d (%s), *out %s; "
                    "expected %d (%s), *out unchanged\n",
                    cap, flags, err, strerror(-err), a == SENTINEL ? "unchanged" : "changed", want,
                    strerror(-want));
        if (err == 0 && a != SENTINEL)
            mp_arena_destroy(a);
        fail();
    }
}

/* REQ: MP-002 */
static void create_rejects_invalid_arguments(void **state)
{
    (void)state;
    static const unsigned bad_flags[] = {2, 0x80, 0x80000000u, MP_DEBUG | 4};
    for (size_t ki = 0; ki < NKINDS; ki++) {
        const struct kind *k = &KINDS[ki];
        for (size_t m = 0; m < NMODES; m++) {
            pool_refused(k, 0, 10, MODES[m], -EINVAL);
            pool_refused(k, 16, 0, MODES[m], -EINVAL);
            pool_refused(k, 0, 0, MODES[m], -EINVAL);
            int err = k->create(NULL, 16, 10, MODES[m]);
            if (err != -EINVAL) {
                print_error("%s_create(NULL, 16, 10, %s) returned %d, expected "
                            "-EINVAL\n",
                            k->name, MODE_NAME(MODES[m]), err);
                fail();
            }
        }
        for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++)
            pool_refused(k, 16, 10, bad_flags[i], -EINVAL);
    }
    for (size_t m = 0; m < NMODES; m++) {
        arena_refused(0, MODES[m], -EINVAL);
        int err = mp_arena_create(NULL, 4096, MODES[m]);
        if (err != -EINVAL) {
            print_error("mp_arena_create(NULL, 4096, %s) returned %d, expected -EINVAL\n",
                        MODE_NAME(MODES[m]), err);
            fail();
        }
    }
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++)
        arena_refused(4096, bad_flags[i], -EINVAL);
}

/* REQ: MP-003 */
static void create_refuses_sizes_past_ptrdiff_max(void **state)
{
    (void)state;
    const size_t big = (size_t)PTRDIFF_MAX;
    const struct {
        size_t bs, n;
    } huge[] = {
        {SIZE_MAX, 1},     /* rounding up to MP_ALIGN wraps */
        {SIZE_MAX - 7, 1}, /* so does this one */
        {SIZE_MAX, 2},
        {(size_t)1 << 62, 4},               /* product wraps to 0 */
        {(size_t)1 << 33, (size_t)1 << 31}, /* likewise */
        {(size_t)1 << 62, 2},               /* 2^63: no wrap, past PTRDIFF_MAX */
        {16, big / 16 + 1},                 /* one block past PTRDIFF_MAX */
        {1, SIZE_MAX},                      /* 16 * SIZE_MAX after rounding */
        {3, SIZE_MAX / 3 + 1},              /* 3 * n wraps to 2, 16 * n to 0 */
        {big + 1, 1},                       /* one block too big */
    };
    for (size_t ki = 0; ki < NKINDS; ki++)
        for (size_t m = 0; m < NMODES; m++)
            for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
                pool_refused(&KINDS[ki], huge[i].bs, huge[i].n, MODES[m], -EOVERFLOW);
    for (size_t m = 0; m < NMODES; m++) {
        arena_refused(SIZE_MAX, MODES[m], -EOVERFLOW);
        arena_refused(big + 1, MODES[m], -EOVERFLOW);
    }
}

/* REQ: MP-005 */
static void destroy_gives_back_everything(void **state)
{
    (void)state;
    /* LeakSanitizer runs when the test ends: a block, a bitmap or a
     * region left behind by destroy fails it. */
    for (size_t ki = 0; ki < NKINDS; ki++)
        for (size_t m = 0; m < NMODES; m++) {
            const struct kind *k = &KINDS[ki];
            void *empty = make_pool(k, 40, 100, MODES[m]);
            k->destroy(empty);
            void *some = make_pool(k, 40, 100, MODES[m]);
            for (int i = 0; i < 30; i++)
                assert_non_null(k->alloc(some));
            k->destroy(some);
            void *full = make_pool(k, 4096, 130, MODES[m]);
            while (k->alloc(full))
                ;
            k->destroy(full);
            k->destroy(NULL);
        }
    for (size_t m = 0; m < NMODES; m++) {
        struct mp_arena *a = make_arena(1 << 16, MODES[m]);
        mp_arena_destroy(a);
        a = make_arena(1 << 16, MODES[m]);
        for (int i = 0; i < 100; i++)
            assert_non_null(mp_arena_alloc(a, 100, 8));
        mp_arena_destroy(a);
        mp_arena_destroy(NULL);
    }
}

/* Fails if the implementation asked for memory since the counts c0, m0. */
static void no_new_memory(long c0, long m0, const char *what)
{
    long c = lc_calls(LC_MALLOC) - c0, m = lc_calls(LC_MMAP) - m0;
    if (c || m) {
        print_error("%s: %ld malloc-family and %ld mmap calls after create\n", what, c, m);
        fail();
    }
}

/* REQ: MP-006 */
static void nothing_allocates_after_create(void **state)
{
    (void)state;
    void *b[64];
    for (size_t ki = 0; ki < NKINDS; ki++)
        for (size_t m = 0; m < NMODES; m++) {
            const struct kind *k = &KINDS[ki];
            void *p = make_pool(k, 48, 64, MODES[m]);
            long c0 = lc_calls(LC_MALLOC), m0 = lc_calls(LC_MMAP);
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 64; i++)
                    b[i] = k->alloc(p);
                assert_null(k->alloc(p));
                for (int i = 0; i < 64; i += 2)
                    assert_int_equal(k->free(p, b[i]), 0);
                assert_int_equal(k->available(p), 32);
                for (int i = 1; i < 64; i += 2)
                    assert_int_equal(k->free(p, b[i]), 0);
                assert_int_equal(k->free(p, NULL), 0);
            }
            no_new_memory(c0, m0, k->name);
            k->destroy(p);
        }
    for (size_t m = 0; m < NMODES; m++) {
        struct mp_arena *a = make_arena(1 << 16, MODES[m]);
        long c0 = lc_calls(LC_MALLOC), m0 = lc_calls(LC_MMAP);
        for (int round = 0; round < 3; round++) {
            size_t mk = mp_arena_mark(a);
            while (mp_arena_alloc(a, 1000, 16))
                ;
            assert_null(mp_arena_alloc(a, 1 << 17, 1));
            assert_int_equal(mp_arena_rewind(a, mk), 0);
            assert_non_null(mp_arena_alloc(a, 10, 1));
            mp_arena_reset(a);
        }
        no_new_memory(c0, m0, "mp_arena");
        mp_arena_destroy(a);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(create_accepts_arguments_in_range),
    cmocka_unit_test(create_rejects_invalid_arguments),
    cmocka_unit_test(create_refuses_sizes_past_ptrdiff_max),
    cmocka_unit_test(destroy_gives_back_everything),
    cmocka_unit_test(nothing_allocates_after_create),
)
/* clang-format on */
