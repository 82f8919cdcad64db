/* BREAKS: LOC-001 */
/* The header names the unit "for people to read": `MB/s` instead of
 * `mbps`, so a reader that looks for the spec's column names finds none.
 */
#include "common.h"

int main(int argc, char **argv)
{
    lo.header = "size\tstride\tMB/s"; /* BUG: the header is size, stride, mbps */
    return lo_main(argc, argv);
}
