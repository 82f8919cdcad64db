/* BREAKS: PROXY-040 */
/* The Host field is not counted: an HTTP/1.1 request without one, or with
 * two, is forwarded. Two Hosts let the proxy route by one and the origin
 * serve the other; RFC 9112 §3.2 wants a 400 for both.
 */
#include "common.h"

static int host_any(const struct px_msg *r, int hosts)
{
	(void)r;
	(void)hosts;
	return 0; /* BUG */
}

int main(int argc, char **argv)
{
	px.host_rule = host_any;
	return px_main(argc, argv, PX_PROXY);
}
