/* BREAKS: CAT-005 */
/* A read() that returns less than the buffer holds is taken to mean that
 * the file has ended. True of regular files; standard input from a pipe
 * that delivers its data in pieces is cut after the first piece.
 */
#include "common.h"

static int copy_until_short(int fd, const char *name)
{
	static unsigned char buf[CAT_CHUNK];
	(void)name;
	for (;;) {
		cat_flush();
		long r = cat_read(fd, buf, sizeof buf);
		if (r <= 0)
			return (int)r;
		cat.process(buf, (size_t)r);
		if ((size_t)r < sizeof buf)
			return 0; /* BUG: only read() returning 0 is the end */
	}
}

int main(int argc, char **argv)
{
	cat.copy = copy_until_short;
	return cat_main(argc, argv);
}
