/* BREAKS: LB-006 */
/* "least-conn" picks the backend that has received the fewest requests so
 * far, not the one with the fewest in flight: that is round-robin with
 * extra steps. A backend stuck on slow requests keeps getting its share
 * while the others sit idle.
 */
#include "../proxy/common.h"

static int least_requests(uint64_t tried, int64_t now)
{
	int best = -1;
	for (int i = 0; i < px_nbackends; i++) {
		int k = (px_rr + i) % px_nbackends;
		if ((tried >> k & 1) || !px.usable(&px_backends[k], now))
			continue;
		/* BUG: requests ever sent, not requests in flight (active) */
		if (best < 0 || px_backends[k].requests < px_backends[best].requests)
			best = k;
	}
	if (best >= 0)
		px_rr = (best + 1) % px_nbackends;
	return best;
}

int main(int argc, char **argv)
{
	px.least_conn = least_requests;
	return px_main(argc, argv, PX_LB);
}
