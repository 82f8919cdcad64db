/* BREAKS: SYSC-004 */
/* A read_all() helper that reads to end of file, called in a loop "until
 * it returns nothing": the second call reads F again after read() has
 * already returned 0.
 */
#include "common.h"

/* Reads to the end of fd into b: the bytes added, or -errno. */
static long read_all(int fd, struct sc_buf *b)
{
	size_t before = b->len;
	int rc = sc_slurp(fd, b);
	return rc < 0 ? rc : (long)(b->len - before);
}

static int slurp_until_nothing(int fd, struct sc_buf *b)
{
	long got;
	while ((got = read_all(fd, b)) > 0) /* BUG: one more read() after EOF */
		;
	return (int)(got < 0 ? got : 0);
}

int main(int argc, char **argv)
{
	sc.slurp = slurp_until_nothing;
	return sc_main(argc, argv);
}
