/* BREAKS: PROXY-028 */
/* The header timeout restarts with every read: a client that sends its
 * head one byte every few seconds (slowloris) holds a connection and a
 * thread of the proxy forever.
 */
#include "common.h"

static int head_wait_per_read(const struct px_client *c)
{
	if (c->first_byte == 0)
		return px_head_wait_ms(c);
	return px_ms(px_cfg.header_timeout); /* BUG: a fresh timeout for each piece */
}

int main(int argc, char **argv)
{
	px.head_wait_ms = head_wait_per_read;
	return px_main(argc, argv, PX_PROXY);
}
