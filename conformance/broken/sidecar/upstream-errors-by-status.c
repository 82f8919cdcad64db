/* BREAKS: SIDECAR-044 */
/* sidecar_upstream_errors_total counts every 5xx the client got: the
 * origin's own 500 and 503 answers too, which are not failures to reach
 * it. An alert on the metric then fires for application errors.
 */
#include "../proxy/common.h"

static void count_5xx_as_upstream_errors(const struct px_ex *ex)
{
	struct px_ex copy = *ex;
	copy.upstream_error = ex->status >= 500; /* BUG: by status, not by what failed */
	px_count(&copy);
}

int main(int argc, char **argv)
{
	px.count = count_5xx_as_upstream_errors;
	return px_main(argc, argv, PX_SIDECAR);
}
