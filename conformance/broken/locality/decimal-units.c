/* BREAKS: LOC-005 */
/* K, M and G taken as the SI's 1000, 10^6, 10^9: `4K` is 4000 bytes, not a
 * power of two, and refused; `1G` likewise. The spec's units are binary.
 */
#include "common.h"

int main(int argc, char **argv)
{
    lo.unit = 1000; /* BUG: K is 1024 */
    return lo_main(argc, argv);
}
