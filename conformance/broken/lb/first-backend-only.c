/* BREAKS: LB-001 */
/* --backends is read the way the proxy reads --upstream: one host:port,
 * taken up to the first comma, the rest of the list ignored. The load
 * balancer starts, answers, passes a test with one backend, and sends
 * everything to the first backend of the list.
 */
#include "../proxy/common.h"

static int backends_first_only(const char *list)
{
	px_nbackends = 0;
	if (px_backend_init(&px_backends[0], list, strcspn(list, ",")) < 0)
		return -1;
	px_nbackends = 1; /* BUG: the backends after the first comma are dropped */
	return 0;
}

int main(int argc, char **argv)
{
	px.backends_parse = backends_first_only;
	return px_main(argc, argv, PX_LB);
}
