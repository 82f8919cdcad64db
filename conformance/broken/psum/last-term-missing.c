/* BREAKS: PSUM-001 */
/* Ranges as half-open intervals [lo, hi) converted back to inclusive one
 * time too many: every range loses its last term.
 */
#include "common.h"

static struct ps_range range_short(uint64_t n, unsigned k, unsigned w)
{
    struct ps_range r = ps_range_of(n, k, w);
    if (r.lo <= r.hi)
        r.hi--; /* BUG: hi is already inclusive */
    return r;
}

int main(int argc, char **argv)
{
    ps.range = range_short;
    return ps_main(argc, argv);
}
