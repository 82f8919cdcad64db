/* BREAKS: SIDECAR-034 */
/* Only exchanges the origin answered are logged: a request the sidecar
 * answers with 502 itself leaves no line, so the log is silent exactly
 * when something goes wrong.
 */
#include "../proxy/common.h"

static void log_answered_only(const struct px_ex *ex)
{
	if (ex->upstream_error)
		return; /* BUG: failures are not logged */
	px_log(ex);
}

int main(int argc, char **argv)
{
	px.log = log_answered_only;
	return px_main(argc, argv, PX_SIDECAR);
}
