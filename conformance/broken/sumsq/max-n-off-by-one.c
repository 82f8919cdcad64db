/* BREAKS: SUMSQ-007 */
/* N compared with `< MAX` instead of `<= MAX`: the largest N allowed,
 * 10069012961344, is refused as out of range.
 */
#include "common.h"

static int check_n_below_max(unsigned k, uint64_t n)
{
	(void)k;
	if (n >= SQ_MAX_N) { /* BUG: the bound itself is allowed */
		fprintf(stderr, "%s: N: must be below %llu\n", sq_prog, (unsigned long long)SQ_MAX_N);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sq.check = check_n_below_max;
	return sq_main(argc, argv);
}
