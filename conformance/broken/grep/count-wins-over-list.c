/* BREAKS: GREP-013 */
/* With both -c and -l, the counts are printed: the end of a file checks -c
 * first. GNU grep lets -l win (and -q over both).
 */
#include "common.h"

static void end_count_first(struct grep_file *f)
{
	char num[32];
	if (grep_opt.quiet)
		return;
	if (grep_opt.count) { /* BUG: -l takes precedence over -c */
		if (grep_names) {
			grep_puts(f->name);
			grep_put(":", 1);
		}
		snprintf(num, sizeof num, "%lld\n", f->count);
		grep_puts(num);
	} else if (grep_opt.list && f->count > 0) {
		grep_puts(f->name);
		grep_put("\n", 1);
	}
	if (f->binary_matched)
		grep.binary_matches(f);
}

int main(int argc, char **argv)
{
	grep.file_end = end_count_first;
	return grep_main(argc, argv);
}
