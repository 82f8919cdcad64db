/* Unit tests for blocks.c, the layout both pools share: the stride of
 * every block size, the alignment of the area, and the way back from a
 * pointer to a block index, by shift (power-of-two strides) and by
 * division (the others), for every byte offset in and around the area. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "blocks.h"
#include "mempool.h"

/* Stride: block_size rounded up to MP_ALIGN; shift: set exactly for
 * power-of-two strides, and then stride == 1 << shift. */
static void stride_of_every_small_size(void **state)
{
    (void)state;
    for (size_t size = 1; size <= 5000; size++) {
        struct mp_blocks bl;

        assert_int_equal(mp_blocks_layout(&bl, size, 3), 0);
        assert_true(bl.stride >= size && bl.stride < size + MP_ALIGN);
        assert_int_equal(bl.stride % MP_ALIGN, 0);
        assert_int_equal(bl.bytes, 3 * bl.stride);
        if ((bl.stride & (bl.stride - 1)) == 0)
            assert_int_equal((size_t)1 << bl.shift, bl.stride);
        else
            assert_int_equal(bl.shift, -1);
    }
}

/* The limits: a rounding that wraps, a product that wraps, a product that
 * does not wrap but passes PTRDIFF_MAX, and the largest area allowed. */
static void layout_limits(void **state)
{
    struct mp_blocks bl;

    (void)state;
    assert_int_equal(mp_blocks_layout(&bl, 0, 1), -EINVAL);
    assert_int_equal(mp_blocks_layout(&bl, 1, 0), -EINVAL);
    assert_int_equal(mp_blocks_layout(&bl, SIZE_MAX, 1), -EOVERFLOW);
    assert_int_equal(mp_blocks_layout(&bl, SIZE_MAX - MP_ALIGN + 2, 1), -EOVERFLOW);
    assert_int_equal(mp_blocks_layout(&bl, (size_t)1 << 33, (size_t)1 << 31), -EOVERFLOW);
    assert_int_equal(mp_blocks_layout(&bl, (size_t)1 << 62, 2), -EOVERFLOW);
    assert_int_equal(mp_blocks_layout(&bl, 16, PTRDIFF_MAX / 16 + 1), -EOVERFLOW);
    /* 17 rounds up to 32: 2^58 blocks of it are exactly 2^63, too much. */
    assert_int_equal(mp_blocks_layout(&bl, 17, (size_t)1 << 58), -EOVERFLOW);
    assert_int_equal(mp_blocks_layout(&bl, 16, PTRDIFF_MAX / 16), 0);
    assert_int_equal(bl.bytes, PTRDIFF_MAX / 16 * 16);
    assert_int_equal(mp_blocks_layout(&bl, PTRDIFF_MAX - MP_ALIGN + 1, 1), 0);
}

/* mp_blocks_index agrees with the definition for every byte offset from
 * two strides below the area to two strides past it, and
 * mp_blocks_index_of inverts mp_blocks_at. */
static void check_index(size_t size, size_t count)
{
    struct mp_blocks bl;
    uintptr_t base;

    assert_int_equal(mp_blocks_layout(&bl, size, count), 0);
    assert_int_equal(mp_blocks_alloc(&bl), 0);
    base = (uintptr_t)bl.base;
    /* Addresses are made from integers: pointer arithmetic that leaves
     * the area would be undefined. */
    for (uintptr_t a = base - 2 * bl.stride; a < base + bl.bytes + 2 * bl.stride; a++) {
        const void *p = (const void *)a;
        intptr_t off = (intptr_t)(a - base);
        size_t i = SIZE_MAX;
        int want = off >= 0 && (size_t)off < bl.bytes && (size_t)off % bl.stride == 0;

        assert_int_equal(mp_blocks_index(&bl, p, &i), want);
        if (want) {
            assert_int_equal(i, (size_t)off / bl.stride);
            assert_ptr_equal(mp_blocks_at(&bl, i), p);
            assert_int_equal(mp_blocks_index_of(&bl, p), i);
        }
    }
    mp_blocks_free(&bl);
    mp_blocks_free(&bl); /* harmless twice: base is NULL now */
}

static void index_by_shift(void **state)
{
    (void)state;
    check_index(1, 5);
    check_index(16, 9);
    check_index(64, 7);
    check_index(4096, 3);
}

static void index_by_division(void **state)
{
    (void)state;
    check_index(24, 9);
    check_index(100, 5);
    check_index(4097, 3);
}

/* The area is aligned as MP-011 asks: to MP_ALIGN, and for a power-of-two
 * block size to min(size, MP_MAX_ALIGN). */
static void area_alignment(void **state)
{
    (void)state;
    for (size_t size = 1; size <= (size_t)1 << 16; size *= 2) {
        struct mp_blocks bl;
        size_t want = size < MP_ALIGN ? MP_ALIGN : size < MP_MAX_ALIGN ? size : MP_MAX_ALIGN;

        assert_int_equal(mp_blocks_layout(&bl, size, 2), 0);
        assert_int_equal(mp_blocks_alloc(&bl), 0);
        assert_int_equal((uintptr_t)bl.base % want, 0);
        assert_int_equal((uintptr_t)mp_blocks_at(&bl, 1) % want, 0);
        mp_blocks_free(&bl);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stride_of_every_small_size),
        cmocka_unit_test(layout_limits),
        cmocka_unit_test(index_by_shift),
        cmocka_unit_test(index_by_division),
        cmocka_unit_test(area_alignment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
