/* BREAKS: SIDECAR-010 */
/* The sidecar continues traces but never starts one: a request that came
 * without a valid traceparent goes up without any, although the sidecar
 * made a trace-id for it (and logs it). The origin's spans then belong to
 * no trace; W3C Trace Context §3.2 has every participant send a
 * traceparent, restarting the trace when the incoming one is missing or
 * invalid.
 */
#include "../proxy/common.h"

static void request_fields_continued_only(struct px_sb *h, struct px_ex *ex)
{
	if (ex->parent_id[0]) /* BUG: no traceparent unless the client sent a valid one */
		px_sb_add(h, "traceparent: 00-%s-%s-%s\r\n", ex->trace_id, ex->span_id, ex->flags);
	if (ex->tracestate)
		px_sb_add(h, "tracestate: %s\r\n", ex->tracestate);
	if (ex->request_id[0])
		px_sb_add(h, "X-Request-Id: %s\r\n", ex->request_id);
}

int main(int argc, char **argv)
{
	px.request_fields = request_fields_continued_only;
	return px_main(argc, argv, PX_SIDECAR);
}
