/* BREAKS: PROXY-017 */
/* A body without a Content-Length is relayed chunked to every client,
 * HTTP/1.0 ones included, which do not know the chunked coding (RFC 9112
 * §6.1): they take the chunk sizes for part of the body.
 */
#include "common.h"

static int everyone_reads_chunked(const struct px_msg *r)
{
	(void)r;
	return 1; /* BUG: the client's version is not looked at */
}

int main(int argc, char **argv)
{
	px.client_chunked = everyone_reads_chunked;
	return px_main(argc, argv, PX_PROXY);
}
