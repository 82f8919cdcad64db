/* BREAKS: SIDECAR-012 */
/* Every request starts a new trace: the incoming traceparent is read (its
 * parent-id is even logged) but the trace-id forwarded is a fresh one, so
 * the trace breaks at this hop and the spans behind the sidecar end up in
 * a trace of their own.
 */
#include "../proxy/common.h"

static void trace_always_new(struct px_ex *ex)
{
	px_trace(ex);
	px_random_hex(ex->trace_id, 16); /* BUG: the client's trace-id is dropped */
}

int main(int argc, char **argv)
{
	px.trace = trace_always_new;
	return px_main(argc, argv, PX_SIDECAR);
}
