/* BREAKS: GREP-009 */
/* The per-file count counts the lines the pattern matches, before -v is
 * applied: `-cv` says how many lines match instead of how many do not, and
 * -lv names the files where the pattern occurs.
 */
#include "common.h"

static int line_count_matches(struct grep_file *f, const char *p, size_t n)
{
	grep_lineno++;
	int matched = grep.match(p, n);
	if (matched)
		f->count++; /* BUG: counted before -v decides whether the line is selected */
	if (matched == grep_opt.invert)
		return 0;
	grep_selected = 1;
	if (grep_opt.quiet)
		grep.quiet_match();
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
	grep.line = line_count_matches;
	return grep_main(argc, argv);
}
