/* BREAKS: SIDECAR-045 */
/* sidecar_in_flight is raised when a request arrives and, in the code that
 * counts the finished request, raised again instead of lowered (a sign
 * slip): the gauge only ever grows.
 */
#include "../proxy/common.h"

static void count_in_flight_up(const struct px_ex *ex)
{
	px_count(ex);
	px_m.in_flight += 2; /* BUG: undoes the decrement, and adds one */
}

int main(int argc, char **argv)
{
	px.count = count_in_flight_up;
	return px_main(argc, argv, PX_SIDECAR);
}
