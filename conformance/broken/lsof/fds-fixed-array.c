/* BREAKS: LSOF-004 */
/* The descriptors collected in an array of 1024 ("the usual limit"): a
 * process holding 3000 of them shows its first 1024 only.
 */
#include "common.h"

static int list_1024(int pid, int **fds, size_t *n)
{
	int rc = lsof_list_fds(pid, fds, n);
	if (rc == 0 && *n > 1024)
		*n = 1024; /* BUG: the rest does not fit and is dropped */
	return rc;
}

int main(int argc, char **argv)
{
	lsof.list_fds = list_1024;
	return lsof_main(argc, argv);
}
