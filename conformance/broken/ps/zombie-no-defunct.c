/* BREAKS: PS-012 */
/* A zombie's empty command line treated like a kernel thread's: `[comm]`
 * without ` <defunct>`.
 */
#include "common.h"

static void args_no_defunct(struct ps_buf *out, const struct ps_row *r)
{
	if (r->cmd.len == 0) { /* BUG: the state is never looked at */
		ps_buf_addc(out, '[');
		ps.show(out, (const unsigned char *)r->comm, r->commlen);
		ps_buf_addc(out, ']');
		return;
	}
	ps_args(out, r);
}

int main(int argc, char **argv)
{
	ps.args = args_no_defunct;
	return ps_main(argc, argv);
}
