/* BREAKS: SUMSQ-006 */
/* Numbers read with strtoull() and no look at where it stopped: `12abc`
 * is 12, `1.5` is 1, `1e6` is 1, `abc` and the empty string are 0. The
 * range is still checked.
 */
#include "common.h"

static int parse_strtoull(const char *s, uint64_t max, uint64_t *out)
{
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10); /* BUG: end pointer ignored */
	if (errno != 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	sq.parse_num = parse_strtoull;
	return sq_main(argc, argv);
}
