/* BREAKS: SUMSQ-001 */
/* Ranges computed as [lo, lo + size] "inclusive": each is one term too
 * long, so each boundary term is added twice and the last worker goes
 * one past N.
 */
#include "common.h"

static struct sq_range range_overlap(uint64_t n, unsigned k, unsigned w)
{
	struct sq_range r = sq_range(n, k, w);
	if (r.lo <= r.hi)
		r.hi = r.lo + (r.hi - r.lo + 1); /* BUG: lo + size, not lo + size - 1 */
	return r;
}

int main(int argc, char **argv)
{
	sq.range = range_overlap;
	return sq_main(argc, argv);
}
