/* BREAKS: PS-006 */
/* The command line printed as a C string: it stops at the first NUL, so
 * only argv[0] is shown (`/bin/sh` for `/bin/sh -c 'read x' two words`).
 */
#include "common.h"

static void args_as_string(struct ps_buf *out, const struct ps_row *r)
{
	if (r->state == 'Z' || r->cmd.len == 0) {
		ps_args(out, r);
		return;
	}
	size_t n = strnlen(r->cmd.p, r->cmd.len); /* BUG: up to the first NUL only */
	ps.show(out, (const unsigned char *)r->cmd.p, n);
}

int main(int argc, char **argv)
{
	ps.args = args_as_string;
	return ps_main(argc, argv);
}
