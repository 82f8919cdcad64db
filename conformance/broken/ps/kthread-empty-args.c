/* BREAKS: PS-011 */
/* An empty /proc/PID/cmdline printed as it is: kernel threads get an empty
 * ARGS instead of `[kthreadd]` (zombies are still handled).
 */
#include "common.h"

static void args_no_brackets(struct ps_buf *out, const struct ps_row *r)
{
	if (r->state != 'Z' && r->cmd.len == 0)
		return; /* BUG: nothing to show, so show nothing */
	ps_args(out, r);
}

int main(int argc, char **argv)
{
	ps.args = args_no_brackets;
	return ps_main(argc, argv);
}
