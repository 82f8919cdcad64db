/* BREAKS: PROXY-043 */
/* A request with both Content-Length and Transfer-Encoding: chunked is
 * forwarded, framed by its Content-Length (Transfer-Encoding is dropped as
 * hop-by-hop). The classic request smuggling setup (RFC 9112 §11.2): the
 * proxy and the origin disagree on where the request ends, and the bytes
 * in between become a request the proxy never saw.
 */
#include "common.h"

static int framing_cl_wins(struct px_msg *r, const char *te)
{
	if (r->clen >= 0)
		return 0; /* BUG: Transfer-Encoding ignored when there is a length */
	return px_framing(r, te);
}

int main(int argc, char **argv)
{
	px.framing = framing_cl_wins;
	return px_main(argc, argv, PX_PROXY);
}
