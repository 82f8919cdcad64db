#ifndef MEMPOOL_BITS_H
#define MEMPOOL_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bit arrays in 64-bit words: bit i is bit i % 64 of word i / 64. */

#define MP_WORD_BITS 64

/* The number of words that hold n bits. */
static inline size_t mp_words(size_t n)
{
    return n / MP_WORD_BITS + (n % MP_WORD_BITS != 0);
}

static inline bool mp_bit_test(const uint64_t *w, size_t i)
{
    return (w[i / MP_WORD_BITS] >> (i % MP_WORD_BITS)) & 1;
}

static inline void mp_bit_set(uint64_t *w, size_t i)
{
    w[i / MP_WORD_BITS] |= UINT64_C(1) << (i % MP_WORD_BITS);
}

static inline void mp_bit_clear(uint64_t *w, size_t i)
{
    w[i / MP_WORD_BITS] &= ~(UINT64_C(1) << (i % MP_WORD_BITS));
}

#endif
