/* BREAKS: GREP-022 */
/* A binary file that matches is announced the way grep did before 3.5:
 * "Binary file NAME matches" on stdout, mixed with the lines, where GNU
 * grep 3.8 writes "grep: NAME: binary file matches" to stderr.
 */
#include "common.h"

static void old_message(struct grep_file *f)
{
	grep_puts("Binary file "); /* BUG: stdout, and the old wording */
	grep_puts(f->name);
	grep_puts(" matches\n");
}

int main(int argc, char **argv)
{
	grep.binary_matches = old_message;
	return grep_main(argc, argv);
}
