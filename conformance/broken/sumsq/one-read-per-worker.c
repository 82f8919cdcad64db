/* BREAKS: SUMSQ-014 */
/* `if (read(fd, &part, sizeof part) <= 0)` and then part used as if whole:
 * a read that returns fewer than 16 bytes leaves the rest of the partial
 * sum zero.
 */
#include "common.h"

static ssize_t read_once(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	return (ssize_t)len; /* BUG: a short read taken for a whole one */
}

int main(int argc, char **argv)
{
	sq.recv = read_once;
	return sq_main(argc, argv);
}
