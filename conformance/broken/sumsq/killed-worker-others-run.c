/* BREAKS: SUMSQ-013 */
/* A killed worker is reported properly, then the parent exits 1 at once:
 * the other workers are neither stopped nor waited for and go on adding
 * for minutes.
 */
#include "common.h"

static void lost_only(pid_t *pids, unsigned k, unsigned w, int status)
{
	(void)k;
	fprintf(stderr, "%s: worker %u (pid %d) killed by signal %d (%s)\n", sq_prog, w + 1,
		(int)pids[w], WTERMSIG(status), strsignal(WTERMSIG(status)));
	sq.reap = false; /* BUG: the others are not stopped, so do not wait for them */
}

int main(int argc, char **argv)
{
	sq.lost = lost_only;
	return sq_main(argc, argv);
}
