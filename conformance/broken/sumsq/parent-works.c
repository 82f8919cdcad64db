/* BREAKS: SUMSQ-008 */
/* "The parent would only wait anyway": it forks K - 1 workers and adds the
 * last range itself, so -j 4 makes three processes (and -j 1 none).
 */
#include "common.h"

static int run_parent_too(uint64_t n, unsigned k, u128 *total)
{
	struct sq_range last = sq.range(n, k, k - 1);
	u128 mine = sq.partial(last, NULL); /* BUG: the parent is no worker */
	*total = 0;
	int rc = 0;
	if (k > 1)
		rc = sq_run_proc(last.lo - 1, k - 1, total); /* 1..lo-1: the other k - 1 ranges */
	*total += mine;
	return rc;
}

int main(int argc, char **argv)
{
	sq.run_proc = run_parent_too;
	return sq_main(argc, argv);
}
