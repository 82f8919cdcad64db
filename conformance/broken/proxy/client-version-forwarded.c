/* BREAKS: PROXY-042 */
/* The request line goes to the origin with the client's version: an
 * HTTP/1.0 request is forwarded as HTTP/1.0, although this proxy speaks
 * 1.1 to the origin (keep-alive, chunked request bodies). RFC 9110 §6.2:
 * an intermediary sends its own version.
 */
#include "common.h"

static void request_line_client_version(struct px_sb *h, const struct px_msg *r)
{
	px_sb_add(h, "%s %s HTTP/1.%d\r\n", r->method, r->target, r->minor); /* BUG */
}

int main(int argc, char **argv)
{
	px.request_line = request_line_client_version;
	return px_main(argc, argv, PX_PROXY);
}
