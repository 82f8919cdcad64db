/* BREAKS: HTTP-028 */
/* The whole request-target names the file, query string included:
 * "/a.txt?v=2" looks for a file called "a.txt?v=2" and gets 404. The query
 * is not part of the path (RFC 3986 §3.4) and a static server ignores it.
 */
#include "common.h"

static void dispatch_whole_target(struct http_conn *c, struct http_req *r)
{
	if (r->query)
		r->query[-1] = '?'; /* BUG: the '?' and the query stay in the path */
	r->query = NULL;
	http_dispatch(c, r);
}

int main(int argc, char **argv)
{
	http.dispatch = dispatch_whole_target;
	return http_main(argc, argv);
}
