/* BREAKS: PROXY-012 */
/* Responses are relayed with the header fields the proxy knows only (an
 * allow-list "for safety"): an origin's own fields (X-Backend, X-Request-Id,
 * anything new) never reach the client. A proxy removes the hop-by-hop
 * fields and passes every end-to-end one (RFC 9110 §7.6.1).
 */
#include "common.h"

static const char *const known[] = {
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Date",
	"Server", "Set-Cookie", "Cache-Control", "Expires", "ETag", "Last-Modified",
	"Location", "Vary", "Link", NULL,
};

static int is_hop_unless_known(const struct px_msg *m, const char *name)
{
	if (px_is_hop(m, name))
		return 1;
	if (m->status == 0)
		return 0;
	for (int i = 0; known[i]; i++)
		if (strcasecmp(name, known[i]) == 0)
			return 0;
	return 1; /* BUG: an end-to-end field the list does not name is dropped */
}

int main(int argc, char **argv)
{
	px.is_hop = is_hop_unless_known;
	return px_main(argc, argv, PX_PROXY);
}
