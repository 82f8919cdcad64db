/* BREAKS: SIDECAR-017 */
/* A trace the sidecar starts is marked sampled (01) but not "random
 * trace-id" (02), although its trace-id is 16 random bytes: downstream
 * systems that shard or sample by trace-id cannot rely on it.
 */
#include "../proxy/common.h"

static void trace_new_01(struct px_ex *ex)
{
	px_trace(ex);
	if (ex->parent_id[0] == '\0')
		strcpy(ex->flags, "01"); /* BUG: should be 03 */
}

int main(int argc, char **argv)
{
	px.trace = trace_new_01;
	return px_main(argc, argv, PX_SIDECAR);
}
