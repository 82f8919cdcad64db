/* BREAKS: PROXY-048 */
/* A Transfer-Encoding other than chunked is ignored: the request is
 * forwarded as if it had no body, and its body's bytes are then read as
 * the next request. A proxy that cannot decode a coding must refuse it
 * (RFC 9112 §6.1: 501).
 */
#include "common.h"

static int framing_only_chunked(struct px_msg *r, const char *te)
{
	if (te && r->clen >= 0)
		return 400;
	r->chunked = r->te = te != NULL && strcasecmp(te, "chunked") == 0; /* BUG: else no body */
	return 0;
}

int main(int argc, char **argv)
{
	px.framing = framing_only_chunked;
	return px_main(argc, argv, PX_PROXY);
}
