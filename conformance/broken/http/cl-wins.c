/* BREAKS: HTTP-014 */
/* With both Content-Length and Transfer-Encoding, Content-Length wins and
 * Transfer-Encoding is ignored: the classic request-smuggling setup (a
 * front end that follows the chunked framing sees a different request
 * boundary). RFC 9112 §6.3 wants chunked to win and the connection closed;
 * the spec asks for a 400.
 */
#include "common.h"

static int framing_cl_wins(struct http_req *r, const char *te)
{
	if (r->clen >= 0)
		return 0; /* BUG: Transfer-Encoding ignored when there is a length */
	if (te && strcasecmp(te, "chunked") != 0)
		return 501;
	r->chunked = te != NULL;
	return 0;
}

int main(int argc, char **argv)
{
	http.framing = framing_cl_wins;
	return http_main(argc, argv);
}
