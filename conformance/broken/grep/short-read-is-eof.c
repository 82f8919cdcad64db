/* BREAKS: GREP-026 */
/* A read() that returns less than was asked for is taken to mean that the
 * end of the file is near: the next call returns 0 without reading. True
 * of regular files; a pipe that delivers its data in pieces is cut after
 * the first one.
 */
#include "common.h"

static long stop_after_short(struct grep_file *f, char *p, size_t n)
{
	if (f->short_reads)
		return 0; /* BUG: only read() returning 0 is the end */
	long r = grep_fill(f, p, n);
	if (r > 0 && (size_t)r < n)
		f->short_reads = 1;
	return r;
}

int main(int argc, char **argv)
{
	grep.fill = stop_after_short;
	return grep_main(argc, argv);
}
