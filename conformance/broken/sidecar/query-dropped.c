/* BREAKS: SIDECAR-001 */
/* The request goes up with the path the sidecar logs and labels, not the
 * whole target: the query string is cut off. The log's `path` is the
 * target without its query (SIDECAR-031), and the same variable was reused
 * for the request line; `/search?q=x` reaches the origin as `/search`.
 */
#include "../proxy/common.h"

static void request_line_path(struct px_sb *h, const struct px_msg *r)
{
	int n = (int)(r->path_end - r->target); /* BUG: the path, not the target */
	px_sb_add(h, "%s %.*s HTTP/1.1\r\n", r->method, n, r->target);
}

int main(int argc, char **argv)
{
	px.request_line = request_line_path;
	return px_main(argc, argv, PX_SIDECAR);
}
