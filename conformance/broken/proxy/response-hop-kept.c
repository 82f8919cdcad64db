/* BREAKS: PROXY-013 */
/* Cleans requests only: an origin's response goes back with the fields its
 * Connection field names (X-Hop-Resp), as if hop-by-hop were something
 * only clients send. The client then sees options meant for the proxy's
 * connection to the origin.
 */
#include "common.h"

static int is_hop_requests_only(const struct px_msg *m, const char *name)
{
	if (m->status != 0) /* BUG: a response: only what framing needs goes */
		return strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Transfer-Encoding") == 0 ||
		       strcasecmp(name, "Keep-Alive") == 0;
	return px_is_hop(m, name);
}

int main(int argc, char **argv)
{
	px.is_hop = is_hop_requests_only;
	return px_main(argc, argv, PX_PROXY);
}
