/* BREAKS: SUMSQ-005 */
/* The split is written twice, once per mode; the remainder fix went into
 * the proc mode's copy only. Thread mode gives every thread N / K terms,
 * so when K does not divide N its last N mod K terms are lost and the two
 * modes disagree.
 */
#include "common.h"

/* The thread mode's own copy of the split, from before the fix. */
static struct sq_range range_floor(uint64_t n, unsigned k, unsigned w)
{
	uint64_t size = n / k; /* BUG: the remainder is lost */
	return (struct sq_range){w * size + 1, (w + 1) * size};
}

static int run_thread_own_split(uint64_t n, unsigned k, u128 *total)
{
	sq.range = range_floor; /* the threads of this mode only */
	return sq_run_thread(n, k, total);
}

int main(int argc, char **argv)
{
	sq.run_thread = run_thread_own_split;
	return sq_main(argc, argv);
}
