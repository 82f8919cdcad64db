/* BREAKS: GREP-017 */
/* A file that cannot be opened gets its message, but nothing remembers
 * that it failed: the exit status is 0 or 1 as if the operand had not been
 * there, where grep says 2 ("an error occurred").
 */
#include "common.h"

static void report_only(const char *name, int err)
{
	fprintf(stderr, "%s: %s: %s\n", grep_prog, name, strerror(err)); /* BUG: errseen not set */
}

int main(int argc, char **argv)
{
	grep.open_error = report_only;
	return grep_main(argc, argv);
}
