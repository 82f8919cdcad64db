/* BREAKS: SIDECAR-031 */
/* `duration_ms` holds seconds: the clock is read in seconds (a double) and
 * the conversion to milliseconds forgotten, so a 300 ms exchange is logged
 * as 0.3. The member's name is its unit; dashboards that read it see
 * every request a thousand times faster than it was.
 */
#include "../proxy/common.h"

static double duration_seconds(const struct px_ex *ex)
{
	return px_now_s() - ex->start; /* BUG: seconds, not milliseconds */
}

int main(int argc, char **argv)
{
	px.duration_ms = duration_seconds;
	return px_main(argc, argv, PX_SIDECAR);
}
