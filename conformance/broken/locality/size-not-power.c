/* BREAKS: LOC-006 */
/* Any multiple of 8 bytes from 1K up is taken as a size: `3K` and `5000`
 * are accepted (the sizes then double from there: 3K, 6K ...) instead of
 * being refused as usage errors.
 */
#include "common.h"

static bool multiple_of_8(uint64_t v)
{
    return v >= LO_SIZE_MIN && v <= LO_SIZE_MAX && v % 8 == 0; /* BUG: a power of two */
}

int main(int argc, char **argv)
{
    lo.size_ok = multiple_of_8;
    return lo_main(argc, argv);
}
