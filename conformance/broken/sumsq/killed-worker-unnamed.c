/* BREAKS: SUMSQ-013 */
/* A worker whose pipe ends without its partial sum is noticed, the others
 * stopped and reaped, exit 1, but the message says only "a worker
 * failed": not which one, nor that a signal killed it (the status
 * waitpid() gave is never looked at).
 */
#include "common.h"

static void lost_unnamed(pid_t *pids, unsigned k, unsigned w, int status)
{
	(void)status;
	fprintf(stderr, "%s: a worker failed\n", sq_prog); /* BUG: no pid, no signal */
	sq_kill_others(pids, k, w);
}

int main(int argc, char **argv)
{
	sq.lost = lost_unnamed;
	return sq_main(argc, argv);
}
