#ifndef SUMSQ_WORK_H
#define SUMSQ_WORK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The work of sumsq: 1^2 + 2^2 + ... + N^2 cut into K contiguous ranges,
 * one per worker, each summed term by term. */

/* The largest N whose sum of squares fits in 128 bits:
 * N(N+1)(2N+1)/6 = 340282366920839261491266184731045101920 <= 2^128 - 1,
 * while N + 1 would give more than 2^128 - 1. */
#define WORK_MAX_N UINT64_C(10069012961344)

/* Workers: 1 to WORK_MAX_K. */
#define WORK_MAX_K 1024u

/* The numbers first, first + 1, ..., first + count - 1; count 0 is empty. */
struct work_range {
    uint64_t first;
    uint64_t count;
};

/* Range i (0 <= i < k) of the split of 1..n into k contiguous ranges: the
 * ranges follow one another in order, cover 1..n exactly once, and their
 * sizes differ by at most one. With k > n, k - n of them are empty. */
struct work_range work_split(uint64_t n, unsigned k, unsigned i);

/* Adds i * i for every i of r, one term at a time, in 128 bits, and stores
 * the sum in *sum. r must lie within 1..WORK_MAX_N, which guarantees no
 * overflow. When stop is not NULL it is checked every WORK_STOP_EVERY terms:
 * once it reads true the loop gives up. Returns 0, or -ECANCELED (and *sum is
 * untouched) when it gave up. */
int work_sum_squares(const struct work_range *r, const atomic_bool *stop, unsigned __int128 *sum);

/* How many terms work_sum_squares adds between two looks at stop: about a
 * millisecond of work, so a stopped worker ends that fast, and the check
 * costs nothing next to the loop. */
#define WORK_STOP_EVERY (UINT64_C(1) << 20)

#endif
