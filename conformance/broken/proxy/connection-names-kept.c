/* BREAKS: PROXY-007 */
/* Hop-by-hop fields are a fixed list: Connection itself goes, but the
 * fields it names stay. RFC 9110 §7.6.1 makes every intermediary remove
 * each field the Connection field names as well: they were meant for this
 * hop only (X-Hop-A here), and a proxy that passes them on lets a client
 * reach into the origin's connection handling.
 */
#include "common.h"

static int is_hop_fixed_list(const struct px_msg *m, const char *name)
{
	(void)m; /* BUG: the names the Connection field lists are never looked at */
	for (int i = 0; px_hop_fields[i]; i++)
		if (strcasecmp(name, px_hop_fields[i]) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	px.is_hop = is_hop_fixed_list;
	return px_main(argc, argv, PX_PROXY);
}
