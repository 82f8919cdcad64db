/* BREAKS: SIDECAR-043 */
/* Each request is counted in the one histogram bucket its duration falls
 * in, not in every bucket whose bound is at least its duration: the
 * buckets go down again past the busy one, and every quantile Prometheus
 * computes from them is wrong. The text format's buckets are cumulative.
 */
#include "../proxy/common.h"

static void count_one_bucket(const struct px_ex *ex)
{
	unsigned long long before[PX_NBUCKETS];
	memcpy(before, px_m.bucket, sizeof before);
	px_count(ex);
	int first = 1;
	for (int k = 0; k < PX_NBUCKETS; k++) {
		if (px_m.bucket[k] == before[k])
			continue;
		if (!first)
			px_m.bucket[k]--; /* BUG: only the first bucket that fits keeps it */
		first = 0;
	}
}

int main(int argc, char **argv)
{
	px.count = count_one_bucket;
	return px_main(argc, argv, PX_SIDECAR);
}
