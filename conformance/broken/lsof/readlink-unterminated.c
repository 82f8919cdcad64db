/* BREAKS: LSOF-005 */
/* readlink() into one static buffer, used as a C string: readlink adds no
 * NUL, so a short target is followed by the tail of the longer one read
 * before it (`/dev/null` after `/tmp/long/name.txt` reads `/dev/nullname.txt`).
 */
#include "common.h"

static int read_link_static(const char *path, char **name, size_t *len)
{
	static char buf[8192];
	if (readlink(path, buf, sizeof buf - 1) < 0) /* BUG: no NUL after the target */
		return -errno;
	*name = strdup(buf);
	*len = strlen(buf);
	return *name ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	lsof.read_link = read_link_static;
	return lsof_main(argc, argv);
}
