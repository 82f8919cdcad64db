/* BREAKS: SUMSQ-004 */
/* Thread mode adds every term straight into one shared total, without a
 * lock: two threads' read-add-write of the same 128-bit variable
 * interleave and terms are lost (N = 10000000 with -j 3 or 8 comes out
 * short, differently from run to run).
 */
#include "common.h"

static u128 shared_total; /* BUG: written by every thread, no lock */

static u128 add_into_shared(struct sq_range r, atomic_bool *stop)
{
	for (uint64_t i = r.lo; i <= r.hi; i++) {
		shared_total += (u128)i * i;
		if (stop && (i & 0xfffff) == 0 && atomic_load(stop))
			break;
	}
	return 0;
}

static int run_thread_shared(uint64_t n, unsigned k, u128 *total)
{
	sq.partial = add_into_shared; /* the threads of this mode only */
	int rc = sq_run_thread(n, k, total);
	*total = shared_total;
	return rc;
}

int main(int argc, char **argv)
{
	sq.run_thread = run_thread_shared;
	return sq_main(argc, argv);
}
