/* BREAKS: PSUM-009 */
/* When the pool cannot be created, the program says so, then adds the
 * whole range on the main thread instead ("degrade gracefully"): a sum on
 * stdout and exit 0 after an error.
 */
#include "common.h"

static int run_or_fall_back(uint64_t n, unsigned k, u128 *total)
{
    if (ps_run(n, k, total) == 0)
        return 0;
    *total = ps.range_sum((struct ps_range){1, n}); /* BUG: the error hidden */
    return 0;
}

int main(int argc, char **argv)
{
    ps.run = run_or_fall_back;
    return ps_main(argc, argv);
}
