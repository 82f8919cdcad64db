/* The split of 1..N and the partial-sum loop (see work.h). */
#include <errno.h>
#include <stddef.h>

#include "work.h"

struct work_range work_split(uint64_t n, unsigned k, unsigned i)
{
    /* Range i ends where floor(n * (i+1) / k) does: the boundaries grow
     * by floor(n/k) or floor(n/k) + 1 each step, hence the balance. The
     * product is taken in 128 bits so that any n and k are safe, not only
     * the ones the command line allows. */
    uint64_t start = (uint64_t)((unsigned __int128)n * i / k);
    uint64_t end = (uint64_t)((unsigned __int128)n * (i + 1) / k);
    struct work_range r = {.first = start + 1, .count = end - start};

    return r;
}

int work_sum_squares(const struct work_range *r, const atomic_bool *stop, unsigned __int128 *sum)
{
    uint64_t i = r->first, end = r->first + r->count;
    unsigned __int128 s = 0;

    while (i < end) {
        uint64_t chunk_end = end - i > WORK_STOP_EVERY ? i + WORK_STOP_EVERY : end;

        if (stop != NULL && atomic_load_explicit(stop, memory_order_relaxed))
            return -ECANCELED;
        /* The cast comes first: i * i in 64 bits would overflow from
         * i = 2^32 on, far below WORK_MAX_N. */
        for (; i < chunk_end; i++)
            s += (unsigned __int128)i * i;
    }
    *sum = s;
    return 0;
}
