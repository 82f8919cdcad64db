/* BREAKS: LSOF-008 */
/* Socket names built by hand as `socket:[INODE]`, INODE from lstat() of
 * /proc/PID/fd/FD: that is the inode of the link in /proc, not the
 * socket's.
 */
#include "common.h"

static int read_link_socket(const char *path, char **name, size_t *len)
{
	int rc = lsof_read_link(path, name, len);
	struct stat st;
	if (rc == 0 && strncmp(*name, "socket:", 7) == 0 && lstat(path, &st) == 0) {
		char text[64];
		*len = (size_t)snprintf(text, sizeof text, "socket:[%lu]",
					(unsigned long)st.st_ino); /* BUG: the link's inode */
		free(*name);
		*name = strdup(text);
		if (*name == NULL)
			return -ENOMEM;
	}
	return rc;
}

int main(int argc, char **argv)
{
	lsof.read_link = read_link_socket;
	return lsof_main(argc, argv);
}
