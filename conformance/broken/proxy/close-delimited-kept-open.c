/* BREAKS: PROXY-016 */
/* A response body the origin ends by closing its connection (no
 * Content-Length, not chunked) is passed on as it came, and the client
 * connection kept open for the next request. The origin's close marked the
 * end of the body on its connection only: the client sees neither a length
 * nor chunks nor a close, and waits forever for the body to end.
 */
#include "common.h"

static int client_framing_as_is(struct px_ex *ex, int kind)
{
	if (kind == PX_BODY_CLOSE)
		return 0; /* BUG: neither chunked nor ended by closing the client connection */
	return px_client_framing(ex, kind);
}

int main(int argc, char **argv)
{
	px.client_framing = client_framing_as_is;
	return px_main(argc, argv, PX_PROXY);
}
