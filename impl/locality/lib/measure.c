/* Timing a point: a budget filled with batches of work, the fastest kept. */
#include "measure.h"

#include <time.h>

/* Where the result of every batch goes. A store to a volatile object is
 * something the program does that the compiler must keep, so the value
 * stored, and with it every read it was computed from, must be computed. */
static volatile uint64_t sink;

/* Batches never grow past this many units: a bound far beyond any real
 * batch (2^40 passes of even one read would take hours), which keeps the
 * arithmetic below from overflowing. */
#define MAX_UNITS ((uint64_t)1 << 40)

uint64_t loc_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs one batch of units; its time in ns (at least 1). */
static uint64_t batch(const struct loc_work *w, uint64_t units)
{
    uint64_t t0 = loc_now_ns(), t1;

    sink ^= w->run(w->ctx, units);
    t1 = loc_now_ns();
    return t1 > t0 ? t1 - t0 : 1;
}

void loc_measure(const struct loc_work *w, uint64_t budget_ns, unsigned reps, struct loc_result *r)
{
    uint64_t slice = (budget_ns + reps - 1) / reps;
    uint64_t units = 1, t, best, total;
    unsigned done;

    /* Calibration: a batch must last a slice of the budget, long enough
     * that the clock's own cost and resolution (tens of ns) do not count.
     * From the time of a batch too short, guess the units that would take
     * 1.1 slices (a little over: a batch that falls just short would cost
     * one more round); grow at least twice (a guess from a batch of a few
     * reads, or one interrupted, can be far off), at most 1024 times. */
    for (;;) {
        t = batch(w, units);
        if (t >= slice || units >= MAX_UNITS)
            break;
        double guess = (double)units * 1.1 * (double)slice / (double)t;
        uint64_t next = guess > (double)MAX_UNITS ? MAX_UNITS : (uint64_t)guess;

        if (next < 2 * units)
            next = 2 * units;
        if (next > 1024 * units)
            next = 1024 * units;
        units = next > MAX_UNITS ? MAX_UNITS : next;
    }
    /* That last batch is the first timed one. Then more, until their
     * times add up to the budget: about reps batches, fewer when one unit
     * alone takes longer than a slice (a pass over a large set), more when
     * later batches run faster than the calibrated one. The fastest batch
     * is the one least disturbed by the rest of the machine (other
     * programs, interrupts, a move to another core): noise only ever adds
     * time, and a short batch has a better chance to run undisturbed. */
    best = total = t;
    done = 1;
    while (total < budget_ns) {
        t = batch(w, units);
        total += t;
        done++;
        if (t < best)
            best = t;
    }
    r->units = units;
    r->batches = done;
    r->timed_ns = total;
    /* bytes / ns = 10^9 bytes / s = 1000 MB/s. */
    r->mbps = (double)w->unit_bytes * (double)units / (double)best * 1000.0;
}
