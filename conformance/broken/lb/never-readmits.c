/* BREAKS: LB-010 */
/* A backend taken out by its health checks stays out: the checks go on,
 * but a pass only resets the failure count of a backend that is up. After
 * a restart or a short outage the backend never gets traffic again, and
 * the pool shrinks with every incident until a restart of the lb.
 */
#include "../proxy/common.h"

static void check_result_no_way_back(struct px_backend *b, int pass)
{
	if (pass && !b->up)
		return; /* BUG: a down backend's passes are not counted */
	px_check_result(b, pass);
}

int main(int argc, char **argv)
{
	px.check_result = check_result_no_way_back;
	return px_main(argc, argv, PX_LB);
}
