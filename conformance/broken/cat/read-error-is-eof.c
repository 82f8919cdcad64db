/* BREAKS: CAT-014, CAT-020 */
/* The copy loop is `while ((n = read(...)) > 0)`: a failed read ends the
 * file like its end would. A directory (read() says EISDIR) copies as an
 * empty file, and an I/O error cuts a file short, both silently and with
 * status 0.
 */
#include "common.h"

static int copy_until_not_positive(int fd, const char *name)
{
	static unsigned char buf[CAT_CHUNK];
	long n;
	(void)name;
	cat_flush();
	while ((n = cat_read(fd, buf, sizeof buf)) > 0) { /* BUG: n < 0 is an error */
		cat.process(buf, (size_t)n);
		cat_flush();
	}
	return 0;
}

int main(int argc, char **argv)
{
	cat.copy = copy_until_not_positive;
	return cat_main(argc, argv);
}
