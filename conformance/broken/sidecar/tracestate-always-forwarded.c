/* BREAKS: SIDECAR-020 */
/* tracestate is forwarded even when the trace was restarted (no valid
 * traceparent came in): vendor entries that belong to another trace now
 * ride on the new one.
 */
#include "../proxy/common.h"

static void trace_keep_tracestate(struct px_ex *ex)
{
	px_trace(ex);
	if (ex->tracestate == NULL && px_field(ex->req, "tracestate")) {
		struct px_sb ts = {0};
		px_field_join(ex->req, "tracestate", &ts);
		ex->tracestate = ts.s; /* BUG: should be dropped with the old trace */
	}
}

int main(int argc, char **argv)
{
	px.trace = trace_keep_tracestate;
	return px_main(argc, argv, PX_SIDECAR);
}
