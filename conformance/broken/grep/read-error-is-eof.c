/* BREAKS: GREP-018, GREP-030 */
/* The reading loop is `while ((n = read(...)) > 0)`: a failed read ends
 * the file like its end would. A directory operand (read() says EISDIR)
 * is an empty file, and an I/O error cuts a file short, both silently and
 * with status 0 or 1.
 */
#include "common.h"

static long read_errors_as_eof(struct grep_file *f, char *p, size_t n)
{
	long r = grep_fill(f, p, n);
	return r < 0 ? 0 : r; /* BUG: an error is not the end of the file */
}

int main(int argc, char **argv)
{
	grep.fill = read_errors_as_eof;
	return grep_main(argc, argv);
}
