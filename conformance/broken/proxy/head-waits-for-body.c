/* BREAKS: PROXY-019 */
/* A request head that announces a body is held until the first body bytes
 * come, so that head and body leave in one segment (fewer packets). But a
 * client that sent `Expect: 100-continue` sends no body before a 100
 * Continue (or a second of waiting): the origin, which would send that
 * 100, never sees the head (RFC 9110 §10.1.1).
 */
#include "common.h"

static int send_head_with_body(struct px_ex *ex, struct px_out *o)
{
	if (ex->has_body)
		return 0; /* BUG: the head waits in o for the first body bytes */
	return px_send_head(ex, o);
}

int main(int argc, char **argv)
{
	px.send_head = send_head_with_body;
	return px_main(argc, argv, PX_PROXY);
}
