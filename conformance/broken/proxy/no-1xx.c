/* BREAKS: PROXY-018 */
/* Interim responses from the origin are read and dropped: the client never
 * sees a 103 Early Hints (its Link fields come too late to be of use) or
 * the origin's 100 Continue. RFC 9110 §15.2 requires a proxy to forward
 * them unless it asked for them itself.
 */
#include "common.h"

static void interim_dropped(struct px_ex *ex)
{
	(void)ex; /* BUG: not relayed */
}

int main(int argc, char **argv)
{
	px.interim = interim_dropped;
	return px_main(argc, argv, PX_PROXY);
}
