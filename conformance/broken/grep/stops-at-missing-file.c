/* BREAKS: GREP-017 */
/* A file that cannot be opened ends the program with status 2: the files
 * after it are never searched.
 */
#include "common.h"

static void give_up(const char *name, int err)
{
	grep_flush();
	fprintf(stderr, "%s: %s: %s\n", grep_prog, name, strerror(err));
	exit(2); /* BUG: the other operands are still to be searched */
}

int main(int argc, char **argv)
{
	grep.open_error = give_up;
	return grep_main(argc, argv);
}
