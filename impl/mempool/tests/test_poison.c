/* Unit tests for poison.h as the allocators use it: built with
 * AddressSanitizer (make sanitize), a freed pool block, a block's padding
 * and the arena bytes a reset or rewind released are poisoned, and what is
 * handed out is not. Without ASan there is nothing to see: skipped. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mempool.h"
#include "poison.h"

#ifdef MP_ASAN

/* Whether any byte of [p, p + n) is poisoned; p[0 .. n-1] all addressable
 * gives 0. */
static int poisoned(const void *p, size_t n)
{
    return __asan_region_is_poisoned((void *)(uintptr_t)p, n) != NULL;
}

/* A block of 24 bytes has 8 bytes of padding (stride 32): poisoned while
 * live; the whole block once freed; not the extent once handed out again,
 * from the free list (the pool read its link there first) or the bitmap. */
static void pool_blocks(void **state)
{
    struct mp_pool *p;
    struct mp_bitmap *b;
    unsigned char *x, *y;

    (void)state;
    assert_int_equal(mp_pool_create(&p, 24, 4, 0), 0);
    assert_int_equal(mp_bitmap_create(&b, 24, 4, 0), 0);
    x = mp_pool_alloc(p);
    y = mp_bitmap_alloc(b);
    assert_false(poisoned(x, 24));
    assert_false(poisoned(y, 24));
    assert_true(__asan_address_is_poisoned(x + 24));
    assert_true(__asan_address_is_poisoned(y + 24));
    assert_int_equal(mp_pool_free(p, x), 0);
    assert_int_equal(mp_bitmap_free(b, y), 0);
    for (int i = 0; i < 24; i++) {
        assert_true(__asan_address_is_poisoned(x + i));
        assert_true(__asan_address_is_poisoned(y + i));
    }
    assert_ptr_equal(mp_pool_alloc(p), x);
    assert_ptr_equal(mp_bitmap_alloc(b), y);
    assert_false(poisoned(x, 24));
    assert_false(poisoned(y, 24));
    mp_pool_destroy(p);
    mp_bitmap_destroy(b);
}

/* A block smaller than a pointer: the link lies partly in the padding, and
 * once handed out again only the block's own byte is addressable. */
static void tiny_block(void **state)
{
    struct mp_pool *p;
    unsigned char *x;

    (void)state;
    assert_int_equal(mp_pool_create(&p, 1, 2, MP_DEBUG), 0);
    x = mp_pool_alloc(p);
    assert_int_equal(mp_pool_free(p, x), 0);
    assert_ptr_equal(mp_pool_alloc(p), x);
    assert_false(__asan_address_is_poisoned(x));
    assert_true(__asan_address_is_poisoned(x + 1));
    mp_pool_destroy(p);
}

/* Released arena bytes are poisoned; what a later alloc returns is not,
 * while the alignment padding before it stays poisoned. ASan keeps one
 * shadow byte per 8 bytes, saying "the first k are addressable": the
 * first bytes of an 8-byte granule cannot be poisoned while its last ones
 * stay addressable. The sizes here are multiples of 8 so that every
 * released byte fills whole granules. */
static void arena_release(void **state)
{
    struct mp_arena *a;
    unsigned char *x, *y, *z;
    size_t m;

    (void)state;
    assert_int_equal(mp_arena_create(&a, 4096, MP_DEBUG), 0);
    x = mp_arena_alloc(a, 100, 1);
    m = mp_arena_mark(a);
    y = mp_arena_alloc(a, 48, 64);
    assert_false(poisoned(x, 100));
    assert_false(poisoned(y, 48));
    assert_int_equal(mp_arena_rewind(a, m), 0);
    assert_false(poisoned(x, 100));
    for (int i = 0; i < 48; i++)
        assert_true(__asan_address_is_poisoned(y + i));
    mp_arena_reset(a);
    assert_true(__asan_address_is_poisoned(x));
    z = mp_arena_alloc(a, 8, 1);
    assert_ptr_equal(z, x);
    assert_false(poisoned(z, 8));
    assert_true(__asan_address_is_poisoned(z + 8));
    z = mp_arena_alloc(a, 16, 64);
    assert_true(__asan_address_is_poisoned(z - 1)); /* padding */
    assert_false(poisoned(z, 16));
    mp_arena_destroy(a);
}

#else

static void pool_blocks(void **state)
{
    (void)state;
    skip();
}

static void tiny_block(void **state)
{
    (void)state;
    skip();
}

static void arena_release(void **state)
{
    (void)state;
    skip();
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_blocks),
        cmocka_unit_test(tiny_block),
        cmocka_unit_test(arena_release),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
