/* BREAKS: GREP-012 */
/* -c prints a count only for the files that have selected lines, as if a
 * count of 0 were nothing to report; grep prints `NAME:0` for every file
 * it searched.
 */
#include "common.h"

static void end_skip_zero(struct grep_file *f)
{
	if (grep_opt.count && !grep_opt.list && f->count == 0)
		return; /* BUG: 0 is a count too */
	grep_file_end(f);
}

int main(int argc, char **argv)
{
	grep.file_end = end_skip_zero;
	return grep_main(argc, argv);
}
