#ifndef LOCALITY_KERNEL_H
#define LOCALITY_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* The loops locality times: reading an array at a stride, and chasing a
 * random cycle through it. They live in their own file, compiled apart
 * from the code that times them: the compiler of the caller cannot see
 * that a pass only reads, so it cannot merge or drop repeated passes. */

/* The number of reads of one pass at this stride over n elements:
 * elements 0, stride, 2*stride, ... below n, that is ceil(n / stride). */
static inline uint64_t loc_stride_reads(size_t n, size_t stride)
{
    return ((uint64_t)n + stride - 1) / stride;
}

/* Reads the elements 0, stride, 2*stride, ... below n of a, `passes`
 * times over, and returns the sum of everything read (which the caller
 * keeps, so that the reads have a use). n >= 1, stride >= 1. */
uint64_t loc_read_stride(const uint64_t *a, size_t n, size_t stride, uint64_t passes);

/* Makes a[0..n-1] a random cyclic permutation of 0..n-1 (Sattolo's
 * algorithm, seeded with seed): following i -> a[i] from any element
 * visits all n of them before it comes back. n >= 1. */
void loc_chase_build(uint64_t *a, size_t n, uint64_t seed);

/* Follows steps links of the cycle from element i (i = a[i], steps
 * times) and returns the element it stopped at, where the next chase
 * should go on from. Each read's address is the value the read before
 * loaded: no two reads overlap. */
uint64_t loc_chase(const uint64_t *a, uint64_t i, uint64_t steps);

#endif
