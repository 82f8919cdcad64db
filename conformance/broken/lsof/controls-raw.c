/* BREAKS: LSOF-006 */
/* NAME printed as readlink gave it: a file name with a newline splits the
 * descriptor's line in two, an escape sequence reaches the terminal.
 */
#include "common.h"

static void print_raw(int pid, int fd, const char *type, const char *name, size_t len)
{
	printf("%d %d %s ", pid, fd, type);
	fwrite(name, 1, len, stdout); /* BUG: control bytes as they are */
	putchar('\n');
}

int main(int argc, char **argv)
{
	lsof.print_line = print_raw;
	return lsof_main(argc, argv);
}
