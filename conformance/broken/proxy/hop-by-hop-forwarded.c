/* BREAKS: PROXY-008 */
/* Trusts the Connection field to name every hop-by-hop field: Connection,
 * what it names and Transfer-Encoding (the body is framed anew) are
 * removed, but Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection and
 * Proxy-Authorization go through whenever the client did not list them,
 * which clients rarely do. Proxy-Authorization then hands the client's
 * proxy credentials to the origin.
 */
#include "common.h"

static int is_hop_connection_only(const struct px_msg *m, const char *name)
{
	if (strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Transfer-Encoding") == 0)
		return 1;
	for (int i = 0; i < m->nf; i++) /* BUG: and nothing known to be hop-by-hop */
		if (strcasecmp(m->f[i].name, "Connection") == 0 && px_has_token(m->f[i].value, name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	px.is_hop = is_hop_connection_only;
	return px_main(argc, argv, PX_PROXY);
}
