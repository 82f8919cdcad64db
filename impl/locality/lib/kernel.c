/* The loops that read memory: the strided pass of CS:APP's memory mountain
 * and a pointer chase over a random cycle. */
#include "kernel.h"

uint64_t loc_read_stride(const uint64_t *a, size_t n, size_t stride, uint64_t passes)
{
    uint64_t total = 0;

    for (uint64_t p = 0; p < passes; p++) {
        /* Four sums rather than one: the adds into one sum form a chain,
         * each waiting for the one before (a cycle each), which would make
         * a cache that delivers two reads per cycle look half as fast.
         * With four, the four reads of an iteration and their adds are
         * independent and the loop goes as fast as the loads. */
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t i = 0;

        /* i + 3 * stride < n: all four reads are inside the array. Written
         * as a subtraction when n allows it, so that nothing overflows. */
        if (n > 3 * (uint64_t)stride) {
            size_t last = n - 3 * stride;

            for (; i < last; i += 4 * stride) {
                s0 += a[i];
                s1 += a[i + stride];
                s2 += a[i + 2 * stride];
                s3 += a[i + 3 * stride];
            }
        }
        for (; i < n; i += stride)
            s0 += a[i];
        total += s0 + s1 + s2 + s3;
        /* An empty asm that "may read or write any memory": the compiler
         * must assume the array changed, so it cannot compute the next pass
         * from this one (every pass reads the same values) and has to read
         * it again. It emits no instruction. */
        __asm__ volatile("" ::: "memory");
    }
    return total;
}

/* splitmix64 (Steele, Lea and Flood's SplitMix, as in Java's
 * SplittableRandom): a 64-bit counter stepped by an odd constant and
 * scrambled. Fast, passes the usual statistical batteries, and enough for
 * shuffling; this is no cryptography. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A random number from 0 to bound - 1: the high half of the 128-bit
 * product of a random 64-bit number and bound (Lemire's method, without
 * its rejection step). Each result is taken by floor(2^64 / bound) or one
 * more of the 2^64 inputs: a bias of at most bound / 2^64, below 2^-28
 * for the 2^33 elements of a 64 GiB set, far below anything a timing
 * could show. */
static uint64_t below(uint64_t *state, uint64_t bound)
{
    return (uint64_t)(((unsigned __int128)next_random(state) * bound) >> 64);
}

void loc_chase_build(uint64_t *a, size_t n, uint64_t seed)
{
    uint64_t state = seed;

    for (size_t i = 0; i < n; i++)
        a[i] = i;
    /* Sattolo's algorithm: Fisher-Yates, except that the element at i is
     * swapped with one strictly before it (j < i), never with itself.
     * Read a as the function i -> a[i]. Swapping a[i] and a[j] joins the
     * cycles of i and j into one when they are different cycles. Before
     * the step for i, every cycle holds exactly one of the elements 0..i
     * (true at the start, n cycles of one element each), so i and j are
     * in different cycles and are joined; the joined cycle then holds
     * only j among 0..i-1, and the others are untouched: true again for
     * the next step. n - 1 joins make one cycle out of n. Fisher-Yates
     * would allow j = i, a swap that joins nothing: its permutation is
     * uniform over all n! but has ln(n) cycles on average, and the chase
     * would stay in whichever one it starts in, perhaps an element that
     * points to itself. Sattolo's is uniform over the (n-1)! cycles. */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)below(&state, i);
        uint64_t t = a[i];

        a[i] = a[j];
        a[j] = t;
    }
}

uint64_t loc_chase(const uint64_t *a, uint64_t i, uint64_t steps)
{
    /* The address of each read is the value of the one before: the
     * processor can start a read only when the previous one has come back,
     * and a random order gives the prefetcher nothing to guess. Each step
     * costs the full latency of wherever the element lives. */
    for (uint64_t s = 0; s < steps; s++)
        i = a[i];
    return i;
}
