/* BREAKS: LOC-011 */
/* --time is parsed and ignored: each point is one warm pass and one timed
 * pass, a few microseconds for a small set, which the clock can hardly
 * measure.
 */
#include "common.h"

static double one_pass(struct lo_point *p, uint64_t budget_ns)
{
    (void)budget_ns; /* BUG: passes until the budget is spent */
    lo_sink ^= lo_work(p, 1);
    uint64_t t0 = lo_now();
    lo_sink ^= lo_work(p, 1);
    uint64_t t = lo_now() - t0;
    return (double)lo_unit_bytes(p) / (double)(t ? t : 1) * 1000.0;
}

int main(int argc, char **argv)
{
    lo.measure = one_pass;
    return lo_main(argc, argv);
}
