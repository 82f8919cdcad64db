/* BREAKS: PSUM-005 */
/* Every range gets N / K terms: when K does not divide N, the last
 * N mod K terms are added by nobody.
 */
#include "common.h"

static struct ps_range range_floor(uint64_t n, unsigned k, unsigned w)
{
    uint64_t size = n / k; /* BUG: the remainder is lost */
    return (struct ps_range){w * size + 1, (w + 1) * size};
}

int main(int argc, char **argv)
{
    ps.range = range_floor;
    return ps_main(argc, argv);
}
