/* BREAKS: SIDECAR-048 */
/* GET /metrics is answered on the traffic port too: the service behind the
 * sidecar can no longer serve a /metrics of its own, and the sidecar's
 * numbers are open to every client.
 */
#include "../proxy/common.h"

static int local_metrics(struct px_ex *ex)
{
	if (strcmp(ex->req->method, "GET") != 0 || !px.metrics_path(ex->req->target))
		return px_local(ex);
	struct px_sb b = {0}; /* BUG: answered here instead of forwarded */
	px.metrics(&b);
	px_respond(ex, 200, "text/plain; version=0.0.4", b.s ? b.s : "", b.len);
	free(b.s);
	return 1;
}

int main(int argc, char **argv)
{
	px.local = local_metrics;
	return px_main(argc, argv, PX_SIDECAR);
}
