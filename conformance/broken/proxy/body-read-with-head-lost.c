/* BREAKS: PROXY-005 */
/* After a request head is parsed, the read buffer is emptied, as if one
 * read() returned exactly one head. It does not: a client that sends its
 * head and body in one write gives the proxy the head and the first body
 * bytes in one read, and those bytes are thrown away; the origin receives
 * a Content-Length it will never see the end of.
 */
#include "common.h"

static void take_head_and_the_rest(struct px_rd *rd, size_t headlen)
{
	(void)headlen;
	rd->len = 0; /* BUG: the bytes after the head, read with it, are lost */
}

int main(int argc, char **argv)
{
	px.take_head = take_head_and_the_rest;
	return px_main(argc, argv, PX_PROXY);
}
