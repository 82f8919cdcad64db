/* BREAKS: GREP-024 */
/* A CR before the newline is taken off each line "for Windows files": it
 * is neither matched nor written back, so CRLF lines come out as LF lines
 * and a pattern ending in CR never matches.
 */
#include "common.h"

static int line_without_cr(struct grep_file *f, const char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\r')
		n--; /* BUG: the CR is part of the line */
	return grep_line(f, p, n);
}

int main(int argc, char **argv)
{
	grep.line = line_without_cr;
	return grep_main(argc, argv);
}
