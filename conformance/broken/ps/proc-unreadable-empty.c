/* BREAKS: PS-015 */
/* /proc that cannot be opened or read is taken for an empty list: the
 * header alone, exit status 0, as if the machine had no process.
 */
#include "common.h"

static int list_or_nothing(int **pids, size_t *n)
{
	if (ps_list_pids(pids, n) < 0) /* BUG: the error is dropped */
		*n = 0;
	return 0;
}

int main(int argc, char **argv)
{
	ps.list_pids = list_or_nothing;
	return ps_main(argc, argv);
}
