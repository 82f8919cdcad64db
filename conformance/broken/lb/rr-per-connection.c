/* BREAKS: LB-003 */
/* The round-robin cursor lives in the connection's thread: each client
 * connection starts at the first backend. Clients that send one request
 * per connection (most scripts, health probes, HTTP/1.0) all land on b1.
 */
#include "../proxy/common.h"

static __thread int my_rr; /* BUG: one cursor per connection thread */

static int round_robin_per_thread(uint64_t tried, int64_t now)
{
	px_rr = my_rr;
	int k = px_round_robin(tried, now);
	my_rr = px_rr;
	return k;
}

int main(int argc, char **argv)
{
	px.round_robin = round_robin_per_thread;
	return px_main(argc, argv, PX_LB);
}
