/* BREAKS: SIDECAR-021 */
/* The request id goes to the origin but not back to the client: a client
 * that reports a failure cannot quote the id that finds it in the logs.
 */
#include "../proxy/common.h"

static void response_fields_none(struct px_sb *h, struct px_ex *ex)
{
	(void)h; /* BUG: no X-Request-Id in the response */
	(void)ex;
}

int main(int argc, char **argv)
{
	px.response_fields = response_fields_none;
	return px_main(argc, argv, PX_SIDECAR);
}
