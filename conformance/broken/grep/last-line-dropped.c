/* BREAKS: GREP-023 */
/* The reading loop hands over every line that ends with a newline; at the
 * end of the file the bytes after the last newline are left in the
 * buffer, so a last line without newline is never matched, counted or
 * printed.
 */
#include "common.h"

static void drop(struct grep_file *f, const char *p, size_t n)
{
	(void)f;
	(void)p;
	(void)n; /* BUG: these bytes are a line too */
}

int main(int argc, char **argv)
{
	grep.last_line = drop;
	return grep_main(argc, argv);
}
