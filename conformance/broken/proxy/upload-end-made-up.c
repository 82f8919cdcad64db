/* BREAKS: PROXY-050 */
/* When a client goes away in the middle of a chunked upload, the proxy
 * "ends the request cleanly" for the origin: the last chunk after what
 * arrived, then the close. The origin takes the truncated upload for a
 * whole one and acts on it.
 */
#include "common.h"

static void upload_cut_finish(struct px_ex *ex, struct px_out *o, int why)
{
	(void)why;
	px_out_end(o); /* BUG: a made-up last chunk (Content-Length: only what came) */
	close(ex->fd);
}

int main(int argc, char **argv)
{
	px.upload_cut = upload_cut_finish;
	return px_main(argc, argv, PX_PROXY);
}
