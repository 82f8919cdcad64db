/* BREAKS: SIDECAR-032 */
/* The log line's span_id is the caller's span (the parent-id that came
 * in), not the one the sidecar forwarded: the log cannot be joined with
 * the origin's spans, whose parent is the forwarded id.
 */
#include "../proxy/common.h"

static void log_caller_span(const struct px_ex *ex)
{
	struct px_ex copy = *ex;
	if (ex->parent_id[0])
		memcpy(copy.span_id, ex->parent_id, sizeof copy.span_id); /* BUG */
	px_log(&copy);
}

int main(int argc, char **argv)
{
	px.log = log_caller_span;
	return px_main(argc, argv, PX_SIDECAR);
}
