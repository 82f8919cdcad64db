/* BREAKS: SUMSQ-012 */
/* A failed fork() is reported and the program returns at once: the worker
 * started before it is neither stopped nor waited for, and goes on adding
 * for minutes as an orphan.
 */
#include "common.h"

static void leave_them(pid_t *pids, unsigned k)
{
	(void)pids;
	(void)k; /* BUG: the workers already running are left behind */
}

int main(int argc, char **argv)
{
	sq.start_failed = leave_them;
	return sq_main(argc, argv);
}
