/* BREAKS: PROXY-049 */
/* When a client goes away in the middle of its upload, the proxy tells the
 * origin with shutdown(), so the origin sees the request stream end and
 * gives up, but never close()s the socket: one descriptor is lost per cut
 * upload, until accept fails with EMFILE.
 */
#include "common.h"

static void upload_cut_shutdown(struct px_ex *ex, struct px_out *o, int why)
{
	(void)o;
	(void)why;
	shutdown(ex->fd, SHUT_RDWR); /* BUG: the descriptor itself is never closed */
}

int main(int argc, char **argv)
{
	px.upload_cut = upload_cut_shutdown;
	return px_main(argc, argv, PX_PROXY);
}
