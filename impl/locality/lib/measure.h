#ifndef LOCALITY_MEASURE_H
#define LOCALITY_MEASURE_H

#include <stdint.h>

/* Timing one point of the mountain: enough repetitions of a piece of work
 * to fill a time budget, measured with CLOCK_MONOTONIC in batches, the
 * fastest batch kept. */

/* A piece of work to time, in units (a pass over the array, a number of
 * steps of the chase): run(ctx, units) does `units` units and returns a
 * value computed from everything it read, which the timer stores where the
 * compiler cannot prove nobody looks. unit_bytes: the bytes one unit reads
 * (8 per read). */
struct loc_work {
    uint64_t (*run)(void *ctx, uint64_t units);
    void *ctx;
    uint64_t unit_bytes;
};

struct loc_result {
    double mbps;       /* 10^6 bytes per second, of the fastest batch */
    uint64_t units;    /* units per timed batch */
    unsigned batches;  /* timed batches run */
    uint64_t timed_ns; /* their times added up: at least the budget */
};

/* Nanoseconds of CLOCK_MONOTONIC. The caller has checked once that this
 * clock works (main does), so it cannot fail here. */
uint64_t loc_now_ns(void);

/* Times w: first finds how many units take a slice of budget_ns / reps
 * (doubling or more, from one unit; the last of those batches is the first
 * timed one), then runs batches of that many units until their times add
 * up to at least budget_ns, and reports the fastest. A unit that takes
 * longer than the slice makes batches of one unit, fewer than reps. The
 * work should be warm (one untimed unit run before). Fills *r.
 * budget_ns >= 1, reps >= 1. */
void loc_measure(const struct loc_work *w, uint64_t budget_ns, unsigned reps, struct loc_result *r);

#endif
