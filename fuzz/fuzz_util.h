/* Helpers the libFuzzer harnesses in fuzz/ share: a check that aborts with
 * its place (what libFuzzer reports as a crash), a small deterministic
 * random number generator for splitting inputs, and the input copy. */
#ifndef OSNET_FUZZ_UTIL_H
#define OSNET_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

/* Aborts, saying which check failed where: the fuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The value of hex digit c, or -1: the reference decoders' own, written
 * from the RFCs rather than taken from the parser under test. */
static inline int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* xorshift32: the next number from *s (never 0 when *s is not). The same
 * input must split the same way every run, or a crash would not replay. */
static inline uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Whether span s lies inside buf[0..n) (an empty span anywhere). */
static inline int inside(const struct http_str *s, const char *buf, size_t n)
{
    return s->n == 0 || (s->p >= buf && s->p + s->n <= buf + n);
}

/* The harnesses' input: data[0] is a control byte (limits, flags), the rest
 * the bytes to parse. Returns a malloc'ed copy of exactly those *n bytes,
 * so ASan sees any read past their end, and sets *seed, derived from the
 * input, for the splits. */
static inline char *fuzz_input(const uint8_t *data, size_t size, size_t *n, uint32_t *seed)
{
    char *buf;

    *n = size - 1;
    buf = malloc(*n ? *n : 1);
    CHECK(buf);
    memcpy(buf, data + 1, *n);
    *seed = 2166136261u ^ (uint32_t)size * 16777619u ^ data[0];
    return buf;
}

#endif
