/* VARIANTS: asan */
/* mempool: the bump arena, in both modes (specs/mempool.md, MP-020 to
 * MP-028). The arena's placement rule is exact (MP-022), so the checks
 * know where each allocation must land: at the region's start (the first
 * allocation of a new arena) plus align_up(fill level, align). */
#include "libcheck.h"
#include "mempool.h"
#include "mpcheck.h"

static size_t align_up(size_t m, size_t a)
{
    return (m + a - 1) & ~(a - 1);
}

/* A new arena and its region's start, found by a first allocation (at
 * offset 0 whatever its alignment) and rewound. The checks of rewind do
 * not use this. */
struct probe {
    struct mp_arena *a;
    char *base;
    size_t cap;
    unsigned flags;
};

static struct probe probe_new(size_t cap, unsigned flags)
{
    struct probe t = {make_arena(cap, flags), NULL, cap, flags};
    if (mp_arena_mark(t.a) != 0) {
        print_error("a new arena's mark is %zu, expected 0\n", mp_arena_mark(t.a));
        fail();
    }
    return t;
}

/* Requests (size, align) at the fill level the arena says it has and
 * checks the answer against MP-022's rule: NULL exactly when it does not
 * fit, else at base + align_up(m, align), with the fill level after it. */
static void *request(struct probe *t, size_t size, size_t align)
{
    size_t m = mp_arena_mark(t->a), off = align_up(m, align);
    bool fits = off <= t->cap && size <= t->cap - off;
    char *p = mp_arena_alloc(t->a, size, align);
    if (!t->base && p && m == 0)
        t->base = p; /* the first allocation starts the region */
    if (fits && !p) {
        print_error("arena of %zu (%s) at fill level %zu: alloc(%zu, %zu) returned NULL; "
                    "align_up(%zu, %zu) + %zu = %zu fits\n",
                    t->cap, MODE_NAME(t->flags), m, size, align, m, align, size, off + size);
        fail();
    }
    if (!fits && p) {
        print_error("arena of %zu (%s) at fill level %zu: alloc(%zu, %zu) returned %p; "
                    "it does not fit\n",
                    t->cap, MODE_NAME(t->flags), m, size, align, p);
        fail();
    }
    if (p && p != t->base + off) {
        print_error("arena of %zu (%s) at fill level %zu: alloc(%zu, %zu) returned "
                    "start + %td, expected start + %zu (align_up(%zu, %zu))\n",
                    t->cap, MODE_NAME(t->flags), m, size, align, p - t->base, off, m, align);
        fail();
    }
    size_t want = p ? off + size : m;
    if (mp_arena_mark(t->a) != want) {
        print_error("arena of %zu (%s): after alloc(%zu, %zu) at fill level %zu %s, "
                    "mark is %zu, expected %zu\n",
                    t->cap, MODE_NAME(t->flags), size, align, m, p ? "succeeded" : "failed",
                    mp_arena_mark(t->a), want);
        fail();
    }
    return p;
}

/* REQ: MP-020 */
static void arena_allocations_are_aligned(void **state)
{
    (void)state;
    static const size_t before[] = {0, 1, 3, 7, 8, 15, 17, 100, 4095};
    for (size_t mi = 0; mi < NMODES; mi++) {
        struct mp_arena *a = make_arena(1 << 16, MODES[mi]);
        for (size_t align = 1; align <= MP_MAX_ALIGN; align *= 2)
            for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
                struct mp_arena *fresh = make_arena(1 << 14, MODES[mi]);
                if (before[i])
                    assert_non_null(mp_arena_alloc(fresh, before[i], 1));
                for (int twice = 0; twice < 2; twice++) {
                    char *p = mp_arena_alloc(fresh, 5, align);
                    char *q = mp_arena_alloc(a, before[i] + 1, align);
                    if (!p || !aligned(p, align) || (q && !aligned(q, align))) {
                        print_error("alloc(.., %zu) after %zu bytes returned "
                                    "%p and %p\n",
                                    align, before[i], p, q);
                        fail();
                    }
                }
                mp_arena_destroy(fresh);
            }
        mp_arena_destroy(a);
    }
}

/* REQ: MP-021 */
static void arena_holds_exactly_its_capacity(void **state)
{
    (void)state;
    static const size_t caps[] = {1, 2, 64, 4096, 12288, 65536};
    for (size_t mi = 0; mi < NMODES; mi++)
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
            size_t cap = caps[c];
            for (size_t s = 1; s <= MP_MAX_ALIGN; s *= 2) {
                if (cap % s)
                    continue;
                struct mp_arena *a = make_arena(cap, MODES[mi]);
                for (size_t i = 0; i < cap / s; i++)
                    if (!mp_arena_alloc(a, s, s)) {
                        print_error("arena of %zu (%s): request %zu of %zu "
                                    "bytes aligned to %zu returned NULL\n",
                                    cap, MODE_NAME(MODES[mi]), i + 1, s, s);
                        fail();
                    }
                void *x = mp_arena_alloc(a, 1, 1);
                if (x) {
                    print_error("arena of %zu (%s): full after %zu x %zu bytes, yet "
                                "alloc(1, 1) returned %p\n",
                                cap, MODE_NAME(MODES[mi]), cap / s, s, x);
                    fail();
                }
                mp_arena_destroy(a);
            }
            struct mp_arena *a = make_arena(cap, MODES[mi]);
            char *all = mp_arena_alloc(a, cap, MP_MAX_ALIGN);
            if (!all) {
                print_error("arena of %zu (%s): alloc(%zu, %zu) returned NULL\n", cap,
                            MODE_NAME(MODES[mi]), cap, MP_MAX_ALIGN);
                fail();
            }
            memset(all, 0x5a, cap);
            assert_null(mp_arena_alloc(a, 1, 1));
            mp_arena_destroy(a);
        }
}

/* REQ: MP-022 */
static void arena_places_each_request_by_the_rule(void **state)
{
    (void)state;
    for (size_t mi = 0; mi < NMODES; mi++) {
        uint64_t seed = 88172645463325252u;
        for (int arena = 0; arena < 20; arena++) {
            struct probe t = probe_new(20000 + (size_t)arena * 1111, MODES[mi]);
            request(&t, 1 + rnd(&seed) % 50, (size_t)1 << rnd(&seed) % 13);
            for (int i = 0; i < 400; i++) {
                size_t align = (size_t)1
                               << (rnd(&seed) % 8 == 0 ? rnd(&seed) % 13 : rnd(&seed) % 5);
                size_t size = 1 + rnd(&seed) % (rnd(&seed) % 4 ? 64 : 3000);
                request(&t, size, align);
            }
            mp_arena_destroy(t.a);
        }
        /* Adjacent when no padding is needed. */
        struct probe t = probe_new(4096, MODES[mi]);
        char *p = request(&t, 10, 1), *q = request(&t, 6, 2), *r = request(&t, 16, 16);
        assert_ptr_equal(q, p + 10);
        assert_ptr_equal(r, p + 16);
        mp_arena_destroy(t.a);
    }
}

/* REQ: MP-023 */
static void arena_failed_request_changes_nothing(void **state)
{
    (void)state;
    for (size_t mi = 0; mi < NMODES; mi++) {
        struct probe t = probe_new(8192, MODES[mi]);
        request(&t, 1, 1);
        /* Fits without the padding, not with it: 1 + 4097 <= 8192, but
         * align_up(1, 4096) + 4097 > 8192. */
        assert_null(request(&t, 4097, 4096));
        assert_null(request(&t, 8192, 1));
        assert_non_null(request(&t, 4096, 8)); /* 8 + 4096 fits: at start + 8 */
        assert_null(request(&t, 4089, 1));
        assert_non_null(request(&t, 4088, 1)); /* exactly full */
        assert_null(request(&t, 1, 1));
        mp_arena_destroy(t.a);
    }
}

struct bad_request {
    size_t size, align;
    const char *what;
};

/* REQ: MP-024 */
static void arena_refuses_invalid_requests(void **state)
{
    (void)state;
    static const size_t fills[] = {0, 1, 100, 4095, 8191, 8192};
    const size_t cap = 8192;
    for (size_t mi = 0; mi < NMODES; mi++)
        for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
            struct probe t = probe_new(cap, MODES[mi]);
            if (fills[f])
                request(&t, fills[f], 1);
            size_t m = fills[f];
            struct bad_request bad[32] = {
                {0, 1, "size 0"},
                {0, 16, "size 0"},
                {8, 0, "align 0"},
                {8, 3, "align 3"},
                {8, 6, "align 6"},
                {8, 4095, "align 4095"},
                {8, 8192, "align 8192"},
                {8, (size_t)1 << 63, "align 2^63"},
                {8, SIZE_MAX, "align SIZE_MAX"},
                {SIZE_MAX, 1, "size SIZE_MAX"},
                {SIZE_MAX, 16, "size SIZE_MAX"},
                {SIZE_MAX - 8, 1, "size SIZE_MAX - 8"},
                {(size_t)PTRDIFF_MAX + 1, 1, "size PTRDIFF_MAX + 1"},
                {cap + 1, 1, "size capacity + 1"},
                {cap - m + 1, 1, "size capacity - fill level + 1"},
            };
            size_t nbad = 15;
            /* Sizes whose sum with the fill level (after padding) is
             * 2^64 or just past it: 0 or a little, once wrapped. */
            if (m >= 1)
                bad[nbad++] = (struct bad_request){SIZE_MAX - m + 1, 1, "size 2^64 - fill level"};
            if (m >= 2)
                bad[nbad++] =
                    (struct bad_request){SIZE_MAX - m + 2, 1, "size 2^64 - fill level + 1"};
            if (m > 16)
                bad[nbad++] =
                    (struct bad_request){SIZE_MAX - m + 17, 16, "size 2^64 - fill level + 16"};
            for (size_t i = 0; i < nbad; i++) {
                void *p = mp_arena_alloc(t.a, bad[i].size, bad[i].align);
                if (p || mp_arena_mark(t.a) != m) {
                    print_error("arena of %zu (%s) at fill level %zu: alloc(%zu, %zu) "
                                "(%s) returned %p, mark now %zu\n",
                                cap, MODE_NAME(MODES[mi]), m, bad[i].size, bad[i].align,
                                bad[i].what, p, mp_arena_mark(t.a));
                    fail();
                }
            }
            /* And the arena still works as before. */
            if (m < cap)
                assert_non_null(request(&t, cap - m, 1));
            mp_arena_destroy(t.a);
        }
}

/* REQ: MP-025 */
static void arena_allocations_are_disjoint_and_kept(void **state)
{
    (void)state;
    enum { MAX = 3000 };
    static struct extent e[MAX], sorted[MAX];
    for (size_t mi = 0; mi < NMODES; mi++) {
        uint64_t seed = 42;
        struct mp_arena *a = make_arena(1 << 18, MODES[mi]);
        struct mp_arena *other = make_arena(4096, MODES[mi]);
        void *pool = make_pool(&KINDS[0], 4096, 1, MODES[mi]);
        size_t n = 0;
        e[n++] = (struct extent){(uintptr_t)mp_arena_alloc(other, 4096, 1), 4096, 0};
        e[n++] = (struct extent){(uintptr_t)KINDS[0].alloc(pool), 4096, 1};
        fill((void *)e[0].at, 4096, 0);
        fill((void *)e[1].at, 4096, 1);
        for (;;) {
            size_t size = 1 + rnd(&seed) % 300, align = (size_t)1 << rnd(&seed) % 7;
            char *p = mp_arena_alloc(a, size, align);
            if (!p)
                break;
            assert_true(n < MAX);
            e[n] = (struct extent){(uintptr_t)p, size, (uint32_t)n};
            fill(p, size, (uint32_t)n);
            n++;
            if (n % 100 == 0 || n < 20) {
                for (size_t i = 0; i < n; i++)
                    if (!intact((void *)e[i].at, e[i].len, e[i].id, "arena"))
                        fail();
                memcpy(sorted, e, n * sizeof *e);
                if (!disjoint(sorted, n, "arena"))
                    fail();
            }
        }
        for (size_t i = 0; i < n; i++)
            if (!intact((void *)e[i].at, e[i].len, e[i].id, "arena, full"))
                fail();
        memcpy(sorted, e, n * sizeof *e);
        if (!disjoint(sorted, n, "arena, full"))
            fail();
        mp_arena_destroy(a);
        mp_arena_destroy(other);
        KINDS[0].destroy(pool);
    }
}

/* A fixed sequence of requests; where each landed goes to out. */
static void sequence(struct mp_arena *a, char **out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = mp_arena_alloc(a, 1 + (i * 37) % 200, (size_t)1 << (i % 9));
}

/* REQ: MP-026 */
static void arena_reset_makes_it_new(void **state)
{
    (void)state;
    enum { SEQ = 150 };
    char *first[SEQ], *again[SEQ];
    const size_t cap = 1 << 15;
    for (size_t mi = 0; mi < NMODES; mi++) {
        struct mp_arena *a = make_arena(cap, MODES[mi]);
        sequence(a, first, SEQ);
        for (int cycle = 0; cycle < 200; cycle++) {
            mp_arena_reset(a);
            if (mp_arena_mark(a) != 0) {
                print_error("after reset %d, mark is %zu, expected 0\n", cycle + 1,
                            mp_arena_mark(a));
                fail();
            }
            if (cycle % 2) {
                char *all = mp_arena_alloc(a, cap, MP_MAX_ALIGN);
                if (!all || all != first[0]) {
                    print_error("after reset %d: alloc of the whole capacity "
                                "returned %p, expected %p\n",
                                cycle + 1, all, first[0]);
                    fail();
                }
                continue;
            }
            sequence(a, again, SEQ);
            for (size_t i = 0; i < SEQ; i++)
                if (again[i] != first[i]) {
                    print_error("after reset %d, request %zu returned %p; on the "
                                "new arena it returned %p\n",
                                cycle + 1, i, again[i], first[i]);
                    fail();
                }
        }
        mp_arena_destroy(a);
    }
}

/* REQ: MP-027 */
static void arena_rewind_releases_what_came_after(void **state)
{
    (void)state;
    enum { SEQ = 60 };
    char *after[SEQ], *again[SEQ];
    const size_t cap = 1 << 15;
    for (size_t mi = 0; mi < NMODES; mi++) {
        struct mp_arena *a = make_arena(cap, MODES[mi]);
        /* Kept: three allocations before the mark. */
        char *keep[3];
        for (uint32_t i = 0; i < 3; i++) {
            keep[i] = mp_arena_alloc(a, 100 + i, 8);
            assert_non_null(keep[i]);
            fill(keep[i], 100 + i, i);
        }
        size_t m1 = mp_arena_mark(a);
        sequence(a, after, SEQ);
        for (int round = 0; round < 50; round++) {
            int err = mp_arena_rewind(a, m1);
            if (err != 0 || mp_arena_mark(a) != m1) {
                print_error("rewind to %zu returned %d, mark now %zu\n", m1, err, mp_arena_mark(a));
                fail();
            }
            for (uint32_t i = 0; i < 3; i++)
                if (!intact(keep[i], 100 + i, i, "allocated before the mark"))
                    fail();
            sequence(a, again, SEQ);
            for (size_t i = 0; i < SEQ; i++)
                if (again[i] != after[i]) {
                    print_error("after rewind %d, request %zu returned %p; after the "
                                "mark was taken it returned %p\n",
                                round + 1, i, again[i], after[i]);
                    fail();
                }
        }
        /* Nested marks; rewinding to the current mark changes nothing. */
        assert_int_equal(mp_arena_rewind(a, m1), 0);
        char *x = mp_arena_alloc(a, 10, 1);
        size_t m2 = mp_arena_mark(a);
        char *y = mp_arena_alloc(a, 20, 64);
        size_t m3 = mp_arena_mark(a);
        assert_int_equal(mp_arena_rewind(a, m3), 0);
        assert_int_equal(mp_arena_mark(a), m3);
        char *z = mp_arena_alloc(a, 30, 1);
        assert_ptr_equal(z, y + 20);
        assert_int_equal(mp_arena_rewind(a, m3), 0);
        assert_int_equal(mp_arena_rewind(a, m2), 0);
        assert_ptr_equal(mp_arena_alloc(a, 20, 64), y);
        assert_int_equal(mp_arena_rewind(a, m2), 0);
        assert_int_equal(mp_arena_rewind(a, m1), 0);
        assert_ptr_equal(mp_arena_alloc(a, 10, 1), x);
        /* Rewinding to 0 is a reset. */
        assert_int_equal(mp_arena_rewind(a, 0), 0);
        assert_int_equal(mp_arena_mark(a), 0);
        assert_ptr_equal(mp_arena_alloc(a, cap, 1), keep[0]);
        mp_arena_destroy(a);
    }
}

/* Expects rewind to mark to fail and change nothing. */
static void rewind_refused(struct mp_arena *a, size_t mark, const char *what)
{
    size_t m = mp_arena_mark(a);
    int err = mp_arena_rewind(a, mark);
    if (err != -EINVAL || mp_arena_mark(a) != m) {
        print_error("at fill level %zu, rewind to %zu (%s) returned %d (%s), mark now "
                    "%zu; expected -EINVAL and %zu\n",
                    m, mark, what, err, strerror(-err), mp_arena_mark(a), m);
        fail();
    }
}

/* REQ: MP-028 */
static void arena_rewind_above_the_fill_level_is_refused(void **state)
{
    (void)state;
    const size_t cap = 8192;
    for (size_t mi = 0; mi < NMODES; mi++) {
        struct probe t = probe_new(cap, MODES[mi]);
        request(&t, 1000, 1);
        size_t high = mp_arena_mark(t.a);
        mp_arena_reset(t.a);
        rewind_refused(t.a, high, "a mark taken before a reset");
        request(&t, 10, 1);
        size_t low = mp_arena_mark(t.a);
        request(&t, 500, 16);
        size_t mid = mp_arena_mark(t.a);
        assert_int_equal(mp_arena_rewind(t.a, low), 0);
        rewind_refused(t.a, mid, "a mark above the one rewound to");
        rewind_refused(t.a, low + 1, "one above the fill level");
        rewind_refused(t.a, cap, "the capacity");
        rewind_refused(t.a, cap + 1, "capacity + 1");
        rewind_refused(t.a, SIZE_MAX, "SIZE_MAX");
        /* Unchanged: the next request lands where it would have. */
        request(&t, 100, 32);
        mp_arena_destroy(t.a);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(arena_allocations_are_aligned),
    cmocka_unit_test(arena_holds_exactly_its_capacity),
    cmocka_unit_test(arena_places_each_request_by_the_rule),
    cmocka_unit_test(arena_failed_request_changes_nothing),
    cmocka_unit_test(arena_refuses_invalid_requests),
    cmocka_unit_test(arena_allocations_are_disjoint_and_kept),
    cmocka_unit_test(arena_reset_makes_it_new),
    cmocka_unit_test(arena_rewind_releases_what_came_after),
    cmocka_unit_test(arena_rewind_above_the_fill_level_is_refused),
)
/* clang-format on */
