/* BREAKS: UECHO-004 */
/* Treats a zero-length datagram like "nothing read" (the TCP habit of
 * n == 0 meaning end-of-file) and never answers it.
 */
#include "common.h"

static void answer_unless_empty(struct uecho_dgram *d)
{
	if (d->n == 0) /* BUG: an empty datagram is a datagram */
		return;
	uecho_answer(d);
}

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	return uecho_serve(uecho_bind(o.host, o.port), answer_unless_empty);
}
