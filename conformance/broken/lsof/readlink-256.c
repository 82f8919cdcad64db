/* BREAKS: LSOF-005 */
/* readlink() into a 256-byte buffer, "paths are short": a longer target is
 * cut at 255 bytes, without a word.
 */
#include "common.h"

static int read_link_256(const char *path, char **name, size_t *len)
{
	char buf[256];
	ssize_t got = readlink(path, buf, sizeof buf - 1); /* BUG: truncation not detected */
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	*name = strdup(buf);
	*len = (size_t)got;
	return *name ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	lsof.read_link = read_link_256;
	return lsof_main(argc, argv);
}
