/* BREAKS: GREP-010 */
/* The line number is set to 0 once, at the start of the program, and never
 * again: the second file's lines are numbered after the first file's, as
 * if the files were one.
 */
#include "common.h"

static void no_reset(struct grep_file *f)
{
	(void)f; /* BUG: grep_lineno = 0 belongs here */
}

int main(int argc, char **argv)
{
	grep.file_start = no_reset;
	return grep_main(argc, argv);
}
