/* BREAKS: SIDECAR-030 */
/* A line is logged when a request arrives ("started", status 0) and another
 * when its exchange ends, as tracing libraries emit span start and end
 * events. An access log has one line per request: tools that count
 * requests, error rates or bytes from it count every request twice.
 */
#include "../proxy/common.h"

static void request_id_and_log(struct px_ex *ex)
{
	px_request_id(ex);
	px.log(ex); /* BUG: a second line per request, at its start */
}

int main(int argc, char **argv)
{
	px.request_id = request_id_and_log;
	return px_main(argc, argv, PX_SIDECAR);
}
