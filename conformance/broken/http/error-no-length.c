/* BREAKS: HTTP-003 */
/* Error pages go out without Content-Length, their end marked by closing
 * the connection (as HTTP/1.0 servers did). The client can still read them,
 * but every error costs the connection, and the spec asks for a length on
 * every response that has a body.
 */
#include "common.h"

static void length_field_not_on_errors(struct http_head *h, struct http_req *r,
				       const struct http_res *res)
{
	if (res->status >= 400)
		r->close = 1; /* BUG: an error page has no Content-Length; the close ends it */
	else
		http_length_field(h, r, res);
}

int main(int argc, char **argv)
{
	http.length_field = length_field_not_on_errors;
	return http_main(argc, argv);
}
