/* BREAKS: LOC-004 */
/* The default strides copied from an older figure of the mountain, 1 to
 * 12, where the spec's default goes to 64.
 */
#include "common.h"

int main(int argc, char **argv)
{
    lo.default_stride = 12; /* BUG: the default is 64 */
    return lo_main(argc, argv);
}
