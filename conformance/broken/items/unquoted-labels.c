/* BREAKS: ITEMS-080 */
/* The request counter's labels are written without quotes
 * (route=/items/{id}): not the text format, and no parser reads it.
 */
#include "common.h"

static void metrics_unquoted(struct it_sb *out)
{
	struct it_sb all = {0};
	it_metrics(&all);
	for (char *line = all.s; line && *line;) {
		size_t n = strcspn(line, "\n") + (strchr(line, '\n') != NULL);
		if (strncmp(line, "http_requests_total{", 20) == 0) {
			for (size_t i = 0; i < n; i++)
				if (line[i] != '"') /* BUG: label values unquoted */
					it_sb_mem(out, &line[i], 1);
		} else {
			it_sb_mem(out, line, n);
		}
		line += n;
	}
	out->oom |= all.oom;
	free(all.s);
}

int main(int argc, char **argv)
{
	items.metrics = metrics_unquoted;
	return items_main(argc, argv);
}
