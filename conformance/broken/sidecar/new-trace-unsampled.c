/* BREAKS: SIDECAR-015 */
/* A trace the sidecar starts goes out with trace-flags 00: not sampled,
 * so the services behind it record nothing of the requests the sidecar
 * logs, and their traces are never collected.
 */
#include "../proxy/common.h"

static void trace_new_unsampled(struct px_ex *ex)
{
	px_trace(ex);
	if (ex->parent_id[0] == '\0')
		strcpy(ex->flags, "00"); /* BUG: should be 03: sampled, random trace-id */
}

int main(int argc, char **argv)
{
	px.trace = trace_new_unsampled;
	return px_main(argc, argv, PX_SIDECAR);
}
