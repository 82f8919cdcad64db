/* BREAKS: SUMSQ-001 */
/* Every worker gets N / K terms: when K does not divide N, the last
 * N mod K terms are added by nobody.
 */
#include "common.h"

static struct sq_range range_floor(uint64_t n, unsigned k, unsigned w)
{
	uint64_t size = n / k; /* BUG: the remainder is lost */
	return (struct sq_range){w * size + 1, (w + 1) * size};
}

int main(int argc, char **argv)
{
	sq.range = range_floor;
	return sq_main(argc, argv);
}
