/* BREAKS: SIDECAR-013 */
/* The incoming traceparent is forwarded as it came: the sidecar "joins"
 * the caller's span instead of starting its own, so the origin's spans
 * hang off the caller's, the sidecar's own hop is invisible, and every
 * request of one caller span looks like the same child.
 */
#include "../proxy/common.h"

static void trace_no_new_span(struct px_ex *ex)
{
	px_trace(ex);
	if (ex->parent_id[0])
		memcpy(ex->span_id, ex->parent_id, 16); /* BUG: our span id is the caller's */
}

int main(int argc, char **argv)
{
	px.trace = trace_no_new_span;
	return px_main(argc, argv, PX_SIDECAR);
}
