/* BREAKS: PS-002, PS-011 */
/* Processes with an empty command line skipped as "not real processes":
 * every kernel thread is missing from the list (zombies are kept).
 */
#include "common.h"

static void print_if_cmdline(const struct ps_row *r)
{
	if (r->state != 'Z' && r->cmd.len == 0)
		return; /* BUG: kernel threads are processes too */
	ps_print_row(r);
}

int main(int argc, char **argv)
{
	ps.print_row = print_if_cmdline;
	return ps_main(argc, argv);
}
