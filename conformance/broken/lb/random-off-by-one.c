/* BREAKS: LB-004, LB-005 */
/* random draws an index below n - 1 (as if the bound were inclusive): the
 * last backend of the list never gets a request.
 */
#include "../proxy/common.h"

static int random_but_last(uint64_t tried, int64_t now)
{
	int ok[PX_MAX_BACKENDS], n = 0;
	for (int k = 0; k < px_nbackends; k++)
		if (!(tried >> k & 1) && px.usable(&px_backends[k], now))
			ok[n++] = k;
	if (n == 0)
		return -1;
	return ok[px_random_below(n > 1 ? (unsigned)n - 1 : 1)]; /* BUG: n - 1 */
}

int main(int argc, char **argv)
{
	px.random = random_but_last;
	return px_main(argc, argv, PX_LB);
}
