/* BREAKS: SIDECAR-011 */
/* The trace fields go up as `Traceparent` and `Tracestate`, the
 * "canonical" header-name case that Go's net/http (CanonicalMIMEHeaderKey)
 * and many other libraries apply to every name they set. Field names are
 * case-insensitive, but W3C Trace Context §3.2.1 and §3.3.1 ask senders to
 * use lower case, and some middleboxes match them exactly.
 */
#include "../proxy/common.h"

static void request_fields_canonical(struct px_sb *h, struct px_ex *ex)
{
	/* BUG: Traceparent and Tracestate, not traceparent and tracestate */
	px_sb_add(h, "Traceparent: 00-%s-%s-%s\r\n", ex->trace_id, ex->span_id, ex->flags);
	if (ex->tracestate)
		px_sb_add(h, "Tracestate: %s\r\n", ex->tracestate);
	if (ex->request_id[0])
		px_sb_add(h, "X-Request-Id: %s\r\n", ex->request_id);
}

int main(int argc, char **argv)
{
	px.request_fields = request_fields_canonical;
	return px_main(argc, argv, PX_SIDECAR);
}
