/* BREAKS: PROXY-011, PROXY-015 */
/* No Via field is added, to requests or to responses (the Via fields that
 * came in are still dropped as the proxy's own to rewrite). RFC 9110
 * §7.6.3 requires a gateway to send Via in every request it forwards; it
 * is how loops and the hops of a message are seen.
 */
#include "common.h"

static void via_none(struct px_sb *h, const struct px_msg *m)
{
	(void)h; /* BUG: nothing written */
	(void)m;
}

int main(int argc, char **argv)
{
	px.via = via_none;
	return px_main(argc, argv, PX_PROXY);
}
