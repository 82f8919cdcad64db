/* The layout of a pool's blocks and the area they live in (see blocks.h). */
#include <errno.h>
#include <stdlib.h>

#include "blocks.h"
#include "mempool.h"

static bool is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Fills *bl for count blocks of size bytes; 0, -EINVAL or -EOVERFLOW. */
int mp_blocks_layout(struct mp_blocks *bl, size_t size, size_t count)
{
    size_t stride, bytes;

    if (size == 0 || count == 0)
        return -EINVAL;
    /* Rounding up adds up to MP_ALIGN - 1, which wraps for sizes that
     * close to SIZE_MAX: such a size is too big, never a small one. */
    if (__builtin_add_overflow(size, MP_ALIGN - 1, &stride))
        return -EOVERFLOW;
    stride &= ~(MP_ALIGN - 1);
    /* One object may not exceed PTRDIFF_MAX bytes (C11 6.5.6: the
     * difference of two pointers into it must fit in a ptrdiff_t). */
    if (__builtin_mul_overflow(stride, count, &bytes) || bytes > PTRDIFF_MAX)
        return -EOVERFLOW;
    bl->base = NULL;
    bl->size = size;
    bl->stride = stride;
    bl->count = count;
    bl->bytes = bytes;
    bl->shift = is_pow2(stride) ? __builtin_ctzll(stride) : -1;
    return 0;
}

/* Obtains bl's area, aligned as mempool.h promises; 0 or -ENOMEM. */
int mp_blocks_alloc(struct mp_blocks *bl)
{
    /* Blocks of a power-of-two size are aligned to that size (up to
     * MP_MAX_ALIGN): with stride == size, aligning the base aligns every
     * block. Bigger powers of two have strides that are multiples of
     * MP_MAX_ALIGN, so a base aligned to MP_MAX_ALIGN is enough for them. */
    size_t align = MP_ALIGN;
    void *p;

    if (is_pow2(bl->size) && bl->size > align)
        align = bl->size < MP_MAX_ALIGN ? bl->size : MP_MAX_ALIGN;
    /* posix_memalign, not mmap: LeakSanitizer scans heap memory for
     * pointers, so a program that keeps malloc'ed pointers in its blocks
     * gets no false leak reports; and a small pool costs no whole page. */
    if (posix_memalign(&p, align, bl->bytes) != 0)
        return -ENOMEM;
    bl->base = p;
    return 0;
}

/* Gives the area back; base is NULL after, so a second call does nothing. */
void mp_blocks_free(struct mp_blocks *bl)
{
    free(bl->base);
    bl->base = NULL;
}
