/* BREAKS: SIDECAR-019 */
/* Only the first tracestate field is forwarded: a request whose vendors'
 * entries came in two field lines (legal, RFC 9110 §5.3) loses those of
 * the second.
 */
#include "../proxy/common.h"

static void trace_first_tracestate(struct px_ex *ex)
{
	px_trace(ex);
	if (ex->tracestate) {
		free(ex->tracestate); /* BUG: the fields are not joined: the first one wins */
		ex->tracestate = strdup(px_field(ex->req, "tracestate"));
	}
}

int main(int argc, char **argv)
{
	px.trace = trace_first_tracestate;
	return px_main(argc, argv, PX_SIDECAR);
}
