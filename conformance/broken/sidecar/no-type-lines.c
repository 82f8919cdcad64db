/* BREAKS: SIDECAR-041 */
/* The exposition has # HELP lines but no # TYPE lines: Prometheus then
 * takes every family as "untyped", and the histogram's _bucket, _sum and
 * _count become three unrelated series.
 */
#include "../proxy/common.h"

static void metrics_without_type(struct px_sb *out)
{
	struct px_sb all = {0};
	px_metrics(&all);
	for (char *line = all.s; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "# TYPE ", 7) != 0) /* BUG: the TYPE lines are left out */
			px_sb_mem(out, line, n);
		line += n;
	}
	if (all.oom)
		out->oom = 1;
	free(all.s);
}

int main(int argc, char **argv)
{
	px.metrics = metrics_without_type;
	return px_main(argc, argv, PX_SIDECAR);
}
