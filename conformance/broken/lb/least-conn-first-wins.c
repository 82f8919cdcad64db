/* BREAKS: LB-007 */
/* least-conn breaks ties by taking the first backend of the list: with
 * short requests (nothing in flight when the next one comes) everything
 * goes to b1, and the others only get work when b1 is busy.
 */
#include "../proxy/common.h"

static int least_conn_from_first(uint64_t tried, int64_t now)
{
	px_rr = 0; /* BUG: the scan, and so every tie, starts at the first backend */
	return px_least_conn(tried, now);
}

int main(int argc, char **argv)
{
	px.least_conn = least_conn_from_first;
	return px_main(argc, argv, PX_LB);
}
