/* BREAKS: PROXY-014 */
/* The fixed hop-by-hop list (Keep-Alive, Proxy-Connection,
 * Proxy-Authenticate...) is applied to requests only, taken for fields
 * that clients send; a response loses what its Connection field names and
 * nothing else. An origin's Keep-Alive parameters and Proxy-Authenticate
 * challenge then reach a client they do not concern.
 */
#include "common.h"

static int is_hop_fixed_list_for_requests(const struct px_msg *m, const char *name)
{
	if (m->status == 0)
		return px_is_hop(m, name);
	if (strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Transfer-Encoding") == 0)
		return 1; /* BUG: the rest of the fixed list is not checked for responses */
	for (int i = 0; i < m->nf; i++)
		if (strcasecmp(m->f[i].name, "Connection") == 0 && px_has_token(m->f[i].value, name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	px.is_hop = is_hop_fixed_list_for_requests;
	return px_main(argc, argv, PX_PROXY);
}
