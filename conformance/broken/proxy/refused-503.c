/* BREAKS: PROXY-029 */
/* An upstream that refuses the connection is answered 503 Service
 * Unavailable, "no server available", as HAProxy and Envoy do. RFC 9110
 * §15.6.4 keeps 503 for a server that is itself overloaded or down for
 * maintenance; a gateway whose upstream failed answers 502 Bad Gateway
 * (§15.6.3), and this spec asks for it.
 */
#include "common.h"

static void connect_error_503(struct px_ex *ex, int err)
{
	if (err == ECONNREFUSED) {
		ex->upstream_error = 1;
		px_error(ex, 503); /* BUG: 502 is the gateway's error */
		return;
	}
	px_connect_error(ex, err);
}

int main(int argc, char **argv)
{
	px.connect_error = connect_error_503;
	return px_main(argc, argv, PX_PROXY);
}
