/* BREAKS: SUMSQ-003 */
/* "More workers than terms makes no sense": K > N is refused as a usage
 * error, where the spec wants idle workers and the exact sum.
 */
#include "common.h"

static int check_k_le_n(unsigned k, uint64_t n)
{
	if (k > n) { /* BUG: K > N is allowed */
		fprintf(stderr, "%s: -j %u: more workers than terms\n", sq_prog, k);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sq.check = check_k_le_n;
	return sq_main(argc, argv);
}
