/* BREAKS: PSUM-003 */
/* "More workers than terms makes no sense": K > N refused as a usage
 * error.
 */
#include "common.h"

static int check_k_le_n(unsigned k, uint64_t n)
{
    if (k > n) { /* BUG: K > N is allowed */
        fprintf(stderr, "%s: -j %u is more than N = %llu\n", ps_prog, k, (unsigned long long)n);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    ps.check = check_k_le_n;
    return ps_main(argc, argv);
}
