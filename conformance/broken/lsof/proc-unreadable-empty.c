/* BREAKS: LSOF-016 */
/* /proc that cannot be opened or read is taken for an empty list: the
 * header alone and exit status 0.
 */
#include "common.h"

static int all_or_nothing(int **pids, size_t *n)
{
	if (lsof_all_pids(pids, n) < 0) /* BUG: the error is dropped */
		*n = 0;
	return 0;
}

int main(int argc, char **argv)
{
	lsof.all_pids = all_or_nothing;
	return lsof_main(argc, argv);
}
