/* bits.h: bit arrays in 64-bit words, bit i being bit i % 64 of word
 * i / 64: the free-list pool's debug-mode live bits and the bitmap pool's
 * two levels of bits. Private to impl/mempool/lib. */
#ifndef MEMPOOL_BITS_H
#define MEMPOOL_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MP_WORD_BITS 64

/* The number of words that hold n bits. */
static inline size_t mp_words(size_t n)
{
    return n / MP_WORD_BITS + (n % MP_WORD_BITS != 0);
}

/* Whether bit i is set. */
static inline bool mp_bit_test(const uint64_t *w, size_t i)
{
    return (w[i / MP_WORD_BITS] >> (i % MP_WORD_BITS)) & 1;
}

/* Sets bit i. */
static inline void mp_bit_set(uint64_t *w, size_t i)
{
    w[i / MP_WORD_BITS] |= UINT64_C(1) << (i % MP_WORD_BITS);
}

/* Clears bit i. */
static inline void mp_bit_clear(uint64_t *w, size_t i)
{
    w[i / MP_WORD_BITS] &= ~(UINT64_C(1) << (i % MP_WORD_BITS));
}

#endif
