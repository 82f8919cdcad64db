/* BREAKS: SUMSQ-011 */
/* Each worker "optimised" with the closed form n(n+1)(2n+1)/6: the sum is
 * right, but there is nothing left to split, and a huge N is done at once.
 */
#include "common.h"

/* Σ i² for i = 1..n, in 128 bits (n(n+1)(2n+1) fits for n < 2^40). */
static u128 upto(uint64_t n)
{
	return (u128)n * (n + 1) * (2 * (u128)n + 1) / 6;
}

static u128 partial_formula(struct sq_range r, atomic_bool *stop)
{
	(void)stop;
	if (r.lo > r.hi)
		return 0;
	return upto(r.hi) - upto(r.lo - 1); /* BUG: no term-by-term work */
}

int main(int argc, char **argv)
{
	sq.partial = partial_formula;
	return sq_main(argc, argv);
}
