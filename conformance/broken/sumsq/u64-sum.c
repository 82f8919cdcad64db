/* BREAKS: SUMSQ-004 */
/* Partial sums kept in uint64_t "since i fits in 64 bits": past 2^64 they
 * wrap, and N = 10000000 gives a sum off by a multiple of 2^64.
 */
#include "common.h"

static u128 partial_u64(struct sq_range r, atomic_bool *stop)
{
	uint64_t sum = 0; /* BUG: 64 bits, wraps from 2^64 on */
	for (uint64_t i = r.lo; i <= r.hi; i++) {
		sum += i * i;
		if (stop && (i & 0xfffff) == 0 && atomic_load(stop))
			break;
	}
	return sum;
}

int main(int argc, char **argv)
{
	sq.partial = partial_u64;
	return sq_main(argc, argv);
}
