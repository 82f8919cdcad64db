/* BREAKS: PSUM-004 */
/* A range's sum computed in uint64_t, widened only at the end: lo + hi
 * and the product wrap for large N.
 */
#include "common.h"

static u128 sum_u64(struct ps_range r)
{
    if (r.lo > r.hi)
        return 0;
    uint64_t pairs = (r.lo + r.hi) * (r.hi - r.lo + 1) / 2; /* BUG: 64 bits */
    return pairs;
}

int main(int argc, char **argv)
{
    ps.range_sum = sum_u64;
    return ps_main(argc, argv);
}
