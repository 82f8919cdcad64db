/* BREAKS: ITEMS-082 */
/* The exposition has # HELP lines but no # TYPE lines: Prometheus takes
 * every family as untyped, and the histogram's _bucket, _sum and _count
 * become three unrelated series.
 */
#include "common.h"

static void metrics_without_type(struct it_sb *out)
{
	struct it_sb all = {0};
	it_metrics(&all);
	for (char *line = all.s; line && *line;) {
		size_t n = strcspn(line, "\n") + (strchr(line, '\n') != NULL);
		if (strncmp(line, "# TYPE ", 7) != 0) /* BUG: the TYPE lines are left out */
			it_sb_mem(out, line, n);
		line += n;
	}
	out->oom |= all.oom;
	free(all.s);
}

int main(int argc, char **argv)
{
	items.metrics = metrics_without_type;
	return items_main(argc, argv);
}
