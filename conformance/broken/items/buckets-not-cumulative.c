/* BREAKS: ITEMS-085 */
/* Each observation lands in one histogram bucket only, the first whose
 * bound it fits: the buckets are a plain histogram, not the cumulative
 * counts the format defines, so every quantile Prometheus computes is
 * wrong.
 */
#include "common.h"

static void count_one_bucket(const char *method, int route, int status, double seconds)
{
	it_count(method, route, status, seconds);
	int m = it_method_index(method), first = 1;
	pthread_mutex_lock(&it_m.lock);
	for (int k = 0; k < IT_NLE; k++)
		if (seconds <= it_le[k]) {
			if (!first)
				it_m.hist[m][route].le[k]--; /* BUG: only the first bucket counts it */
			first = 0;
		}
	pthread_mutex_unlock(&it_m.lock);
}

int main(int argc, char **argv)
{
	items.count = count_one_bucket;
	return items_main(argc, argv);
}
