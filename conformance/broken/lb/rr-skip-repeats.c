/* BREAKS: LB-003 */
/* Round-robin's cursor moves one step per request, whichever backend was
 * taken: when it points at a backend that is down the next one up is
 * chosen, and chosen again on the next request. With b1 out of three, b2
 * gets twice b3's share (b2 b2 b3 b2 b2 b3 ...).
 */
#include "../proxy/common.h"

static int round_robin_step_one(uint64_t tried, int64_t now)
{
	int from = px_rr;
	int k = px_round_robin(tried, now);
	if (k >= 0)
		px_rr = (from + 1) % px_nbackends; /* BUG: should go on after k */
	return k;
}

int main(int argc, char **argv)
{
	px.round_robin = round_robin_step_one;
	return px_main(argc, argv, PX_LB);
}
