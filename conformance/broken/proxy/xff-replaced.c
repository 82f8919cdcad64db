/* BREAKS: PROXY-009 */
/* X-Forwarded-For is set to the client's address, replacing the list the
 * client sent: the addresses of the proxies the request crossed before
 * this one are lost.
 */
#include "common.h"

static void forwarded_replace(struct px_sb *h, const struct px_ex *ex)
{
	px_sb_add(h, "X-Forwarded-For: %s\r\n", ex->c->ip); /* BUG: the incoming list is dropped */
	px_sb_add(h, "X-Forwarded-Proto: http\r\n");
}

int main(int argc, char **argv)
{
	px.forwarded = forwarded_replace;
	return px_main(argc, argv, PX_PROXY);
}
