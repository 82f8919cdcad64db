/* BREAKS: GREP-014 */
/* -q is taken as "print nothing": the selected line is noted, the input
 * read to its end, and the status given at the end. The status is right
 * for files, but an input that never ends is never answered.
 */
#include "common.h"

static int line_keep_reading(struct grep_file *f, const char *p, size_t n)
{
	grep_lineno++;
	if (grep.match(p, n) == grep_opt.invert)
		return 0;
	f->count++;
	grep_selected = 1;
	if (grep_opt.quiet)
		return 0; /* BUG: should exit 0 now */
	if (grep_opt.list)
		return 1;
	if (grep_opt.count)
		return 0;
	if (f->binary) {
		f->binary_matched = 1;
		return 1;
	}
	grep_print_line(f, p, n);
	return 0;
}

int main(int argc, char **argv)
{
	grep.line = line_keep_reading;
	return grep_main(argc, argv);
}
