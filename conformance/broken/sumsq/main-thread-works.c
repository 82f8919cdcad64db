/* BREAKS: SUMSQ-009 */
/* "Why create a thread for the last range when the main thread is
 * idle?": K - 1 threads, the main thread adds the last range; with -j 1 no
 * thread at all.
 */
#include "common.h"

static void *add_range(void *arg)
{
	struct sq_job *j = arg;
	j->sum = sq.partial(j->r, NULL);
	return NULL;
}

static int run_k_minus_1(uint64_t n, unsigned k, u128 *total)
{
	pthread_t *tids = calloc(k, sizeof *tids);
	struct sq_job *jobs = calloc(k, sizeof *jobs);
	if (!tids || !jobs)
		return 1;
	unsigned started = 0;
	for (; started + 1 < k; started++) { /* BUG: one thread short */
		jobs[started].r = sq.range(n, k, started);
		int rc = pthread_create(&tids[started], NULL, add_range, &jobs[started]);
		if (rc != 0) {
			fprintf(stderr, "%s: pthread_create: %s\n", sq_prog, strerror(rc));
			exit(1);
		}
	}
	*total = sq.partial(sq.range(n, k, k - 1), NULL);
	for (unsigned w = 0; w < started; w++) {
		pthread_join(tids[w], NULL);
		*total += jobs[w].sum;
	}
	free(tids), free(jobs);
	return 0;
}

int main(int argc, char **argv)
{
	sq.run_thread = run_k_minus_1;
	return sq_main(argc, argv);
}
