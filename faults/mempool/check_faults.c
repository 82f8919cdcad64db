/* VARIANTS: asan */
/* mempool: create when the system's memory runs out (specs/mempool.md,
 * MP-004). For n = 1, 2, ...: the n-th malloc-family (or mmap) call the
 * create makes fails; create must then return -ENOMEM, leave *out alone
 * and have freed what it had (LeakSanitizer runs when the test ends), or
 * succeed anyway with a working allocator. The loop ends at the first n
 * create never reaches. */
#include <stdbool.h>

#include "libcheck.h"
#include "mempool.h"

static char untouched;
#define SENTINEL ((void *)&untouched)

enum { BS = 48, COUNT = 100 };

/* One create of the kind under test: 0 or -errno, and *out. */
typedef int (*create_fn)(void **out, unsigned flags);

static int pool_create(void **out, unsigned flags)
{
    return mp_pool_create((struct mp_pool **)out, BS, COUNT, flags);
}

static int bitmap_create(void **out, unsigned flags)
{
    return mp_bitmap_create((struct mp_bitmap **)out, BS, COUNT, flags);
}

static int arena_create(void **out, unsigned flags)
{
    return mp_arena_create((struct mp_arena **)out, BS * COUNT, flags);
}

/* What a create that succeeded under the fault must still do. */
static void use_and_destroy(const char *name, void *a)
{
    if (!strcmp(name, "mp_arena")) {
        for (int i = 0; i < COUNT; i++)
            assert_non_null(mp_arena_alloc(a, BS, 16));
        assert_null(mp_arena_alloc(a, 1, 1));
        mp_arena_destroy(a);
        return;
    }
    bool pool = !strcmp(name, "mp_pool");
    void *b[COUNT];
    for (int i = 0; i < COUNT; i++) {
        b[i] = pool ? mp_pool_alloc(a) : mp_bitmap_alloc(a);
        assert_non_null(b[i]);
        memset(b[i], 0x77, BS);
    }
    assert_null(pool ? mp_pool_alloc(a) : mp_bitmap_alloc(a));
    for (int i = 0; i < COUNT; i++)
        assert_int_equal(pool ? mp_pool_free(a, b[i]) : mp_bitmap_free(a, b[i]), 0);
    if (pool)
        mp_pool_destroy(a);
    else
        mp_bitmap_destroy(a);
}

/* Fails the n-th call of that kind during one create, n = 1, 2, ... */
static void each_failure(const char *name, create_fn create, enum lc_kind kind, const char *what)
{
    for (unsigned mode = 0; mode <= MP_DEBUG; mode += MP_DEBUG) {
        for (long n = 1;; n++) {
            void *a = SENTINEL;
            lc_fail_after(kind, n);
            int err = create(&a, mode);
            bool fired = lc_fired(kind);
            lc_fail_off();
            if (!fired) {
                /* The n-th call never came: create made n - 1. */
                assert_int_equal(err, 0);
                use_and_destroy(name, a);
                break;
            }
            if (err == 0) {
                use_and_destroy(name, a);
                continue;
            }
            if (err != -ENOMEM || a != SENTINEL) {
                print_error("%s_create (%s) with %s call %ld failing returned %d "
                            "(%s), *out %s; expected -ENOMEM, *out unchanged\n",
                            name, mode ? "MP_DEBUG" : "flags 0", what, n, err, strerror(-err),
                            a == SENTINEL ? "unchanged" : "changed");
                fail();
            }
            assert_true(n < 100);
        }
    }
}

/* REQ: MP-004 */
static void pool_create_survives_failed_malloc(void **state)
{
    (void)state;
    each_failure("mp_pool", pool_create, LC_MALLOC, "malloc-family");
    each_failure("mp_pool", pool_create, LC_MMAP, "mmap");
}

/* REQ: MP-004 */
static void bitmap_create_survives_failed_malloc(void **state)
{
    (void)state;
    each_failure("mp_bitmap", bitmap_create, LC_MALLOC, "malloc-family");
    each_failure("mp_bitmap", bitmap_create, LC_MMAP, "mmap");
}

/* REQ: MP-004 */
static void arena_create_survives_failed_malloc(void **state)
{
    (void)state;
    each_failure("mp_arena", arena_create, LC_MALLOC, "malloc-family");
    each_failure("mp_arena", arena_create, LC_MMAP, "mmap");
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(pool_create_survives_failed_malloc),
    cmocka_unit_test(bitmap_create_survives_failed_malloc),
    cmocka_unit_test(arena_create_survives_failed_malloc),
)
/* clang-format on */
