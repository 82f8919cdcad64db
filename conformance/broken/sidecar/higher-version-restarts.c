/* BREAKS: SIDECAR-018 */
/* Only version 00 of traceparent is accepted: a caller that already sends
 * a later version (whose first fields keep version 00's layout, W3C Trace
 * Context §3.2.4) gets its trace restarted at this hop.
 */
#include "../proxy/common.h"

static int traceparent_00_only(const char *v)
{
	return strncmp(v, "00", 2) == 0 && px_traceparent_ok(v); /* BUG: later versions dropped */
}

int main(int argc, char **argv)
{
	px.traceparent_ok = traceparent_00_only;
	return px_main(argc, argv, PX_SIDECAR);
}
