/* BREAKS: PROXY-034 */
/* When the origin dies in the middle of a body, the proxy ends the message
 * it relays as if all was well: a last chunk after what arrived, and the
 * client connection kept. The client takes a truncated download for a
 * whole one; only a Content-Length body, which cannot be ended early,
 * still shows the damage.
 */
#include "common.h"

static int body_cut_finish(struct px_ex *ex, struct px_out *o, int why)
{
	(void)why;
	if (!o->chunked)
		return px_body_cut(ex, o, why);
	return px_out_end(o) < 0 ? PX_CLOSE : PX_KEEP; /* BUG: a made-up end of the message */
}

int main(int argc, char **argv)
{
	px.body_cut = body_cut_finish;
	return px_main(argc, argv, PX_PROXY);
}
