/* BREAKS: LSOF-003 */
/* Without operands, "the current process": only the program's own
 * descriptors are listed, not every process's.
 */
#include "common.h"

static int only_self(int **pids, size_t *n)
{
	*pids = malloc(sizeof **pids);
	if (*pids == NULL)
		return -ENOMEM;
	(*pids)[0] = getpid(); /* BUG: no operand is not "myself" */
	*n = 1;
	return 0;
}

int main(int argc, char **argv)
{
	lsof.all_pids = only_self;
	return lsof_main(argc, argv);
}
