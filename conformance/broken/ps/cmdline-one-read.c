/* BREAKS: PS-007 */
/* Each /proc file read with one read() into a 4096-byte buffer, "a page is
 * enough": a command line of 100 KB comes out cut after its first 4096
 * bytes.
 */
#include "common.h"

static int read_once(const char *path, struct ps_buf *b)
{
	char page[4096];
	b->len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t got = read(fd, page, sizeof page); /* BUG: one read, never the rest */
	int err = errno;
	close(fd);
	if (got < 0)
		return -err;
	ps_buf_add(b, page, (size_t)got);
	return 0;
}

int main(int argc, char **argv)
{
	ps.read_file = read_once;
	return ps_main(argc, argv);
}
