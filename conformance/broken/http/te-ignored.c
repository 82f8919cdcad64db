/* BREAKS: HTTP-015 */
/* A Transfer-Encoding other than chunked is ignored: the request is served
 * as if it had no body, and the body's bytes are then read as the next
 * request. A server that cannot decode a coding must say 501 (RFC 9112
 * §6.1) and close.
 */
#include "common.h"

static int framing_only_chunked(struct http_req *r, const char *te)
{
	if (te && r->clen >= 0)
		return 400;
	r->chunked = te != NULL && strcasecmp(te, "chunked") == 0; /* BUG: else no body */
	return 0;
}

int main(int argc, char **argv)
{
	http.framing = framing_only_chunked;
	return http_main(argc, argv);
}
