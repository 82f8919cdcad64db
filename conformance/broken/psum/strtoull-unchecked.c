/* BREAKS: PSUM-006 */
/* strtoull() without its end pointer or errno: `12abc`, `abc`, `1.5`,
 * ` 7` and 2^64 (clamped to ULLONG_MAX) are all taken as numbers.
 */
#include <stdlib.h>

#include "common.h"

static int parse_strtoull(const char *s, uint64_t max, uint64_t *out)
{
    unsigned long long v = strtoull(s, NULL, 10); /* BUG: nothing checked */
    if (v > max || *s == '-')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    ps.parse_num = parse_strtoull;
    return ps_main(argc, argv);
}
