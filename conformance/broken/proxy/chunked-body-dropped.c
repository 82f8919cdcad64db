/* BREAKS: PROXY-006 */
/* Only Content-Length says a request has a body. Transfer-Encoding is
 * accepted (chunked, else 501) and removed as a hop-by-hop field, but
 * nothing reads the chunks: the origin gets the head alone, and the chunked
 * bytes are then read as the next request (400). Easy to miss when every
 * test client sends Content-Length.
 */
#include "common.h"

static int framing_length_only(struct px_msg *r, const char *te)
{
	int st = px_framing(r, te);
	r->chunked = 0; /* BUG: a chunked body is never read */
	return st;
}

int main(int argc, char **argv)
{
	px.framing = framing_length_only;
	return px_main(argc, argv, PX_PROXY);
}
