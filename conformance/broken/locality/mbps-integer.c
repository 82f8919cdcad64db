/* BREAKS: LOC-003 */
/* "Nobody needs a tenth of a MB/s": the throughput is printed as a whole
 * number (`%.0f`), where the spec's format has one digit after the point.
 */
#include "common.h"

static int print_whole(uint64_t size, unsigned stride, double mbps)
{
    if (stride == 0)
        printf("%llu\trandom\t%.0f\n", (unsigned long long)size, mbps); /* BUG: %.1f */
    else
        printf("%llu\t%u\t%.0f\n", (unsigned long long)size, stride, mbps); /* BUG: %.1f */
    if (fflush(stdout) == EOF && lo.check_writes) {
        fprintf(stderr, "locality: write error: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    lo.print_row = print_whole;
    return lo_main(argc, argv);
}
