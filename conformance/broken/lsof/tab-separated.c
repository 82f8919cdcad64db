/* BREAKS: LSOF-001 */
/* Columns separated by tabs "to line them up": the lines are not
 * `PID FD TYPE NAME` with single spaces.
 */
#include "common.h"

static void print_tabs(int pid, int fd, const char *type, const char *name, size_t len)
{
	printf("%d\t%d\t%s\t", pid, fd, type); /* BUG: tabs, not single spaces */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		putchar(c < 0x20 || c == 0x7f ? '?' : c);
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	lsof.print_line = print_tabs;
	return lsof_main(argc, argv);
}
