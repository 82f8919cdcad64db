/* BREAKS: LSOF-002 */
/* The PID operands listed in the order they were given, not ascending.
 */
#include "common.h"

static void keep_order(int *pids, size_t n)
{
	(void)pids;
	(void)n; /* BUG: never sorted */
}

int main(int argc, char **argv)
{
	lsof.order_pids = keep_order;
	return lsof_main(argc, argv);
}
