/* BREAKS: PROXY-032, PROXY-033 */
/* --upstream-timeout is parsed and never used: the proxy waits for a
 * response head, and for the rest of a body, as long as the origin's
 * connection stays open. A hung origin then holds the client (and a
 * thread of the proxy) forever.
 */
#include "common.h"

static int wait_forever(void)
{
	return -1; /* BUG: poll() without a timeout */
}

int main(int argc, char **argv)
{
	px.upstream_wait_ms = wait_forever;
	return px_main(argc, argv, PX_PROXY);
}
