/* BREAKS: PROXY-028 */
/* A keep-alive client connection waits for its next request forever:
 * --idle-timeout is never applied, and idle clients pile up until the
 * proxy runs out of descriptors.
 */
#include "common.h"

static int head_wait_no_idle(const struct px_client *c)
{
	if (c->served && c->first_byte == 0)
		return -1; /* BUG: between requests, no timeout */
	return px_head_wait_ms(c);
}

int main(int argc, char **argv)
{
	px.head_wait_ms = head_wait_no_idle;
	return px_main(argc, argv, PX_PROXY);
}
