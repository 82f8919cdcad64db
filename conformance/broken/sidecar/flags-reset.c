/* BREAKS: SIDECAR-014 */
/* The forwarded trace-flags are always 01 ("sampled"), whatever the
 * caller decided: an unsampled trace becomes sampled at this hop (the
 * tracing backend gets spans it was told to skip) and the random-trace-id
 * flag is lost.
 */
#include "../proxy/common.h"

static void trace_flags_01(struct px_ex *ex)
{
	px_trace(ex);
	strcpy(ex->flags, "01"); /* BUG: the caller's flags are not kept */
}

int main(int argc, char **argv)
{
	px.trace = trace_flags_01;
	return px_main(argc, argv, PX_SIDECAR);
}
