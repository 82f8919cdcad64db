/* BREAKS: LOC-002 */
/* The loop over sizes stops before --max-size (`size < max`): the largest
 * working set, the one that shows main memory, is never measured, and a
 * run with --min-size equal to --max-size prints a header alone.
 */
#include "common.h"

static bool below_max(uint64_t size, uint64_t max)
{
    return size < max; /* BUG: --max-size itself is measured too */
}

int main(int argc, char **argv)
{
    lo.more_sizes = below_max;
    return lo_main(argc, argv);
}
