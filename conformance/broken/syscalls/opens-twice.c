/* BREAKS: SYSC-001 */
/* A file_size() helper opens FILE, fstat()s and closes it, then FILE is
 * opened again to be read: two opens where the spec has one.
 */
#include <sys/stat.h>

#include "common.h"

/* The size of the file at path, or -errno. */
static long file_size(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fstat(fd, &st);
	close(fd);
	return rc < 0 ? -errno : (long)st.st_size;
}

static int open_after_size(const char *path)
{
	long size = file_size(path); /* BUG: a second open of FILE */
	if (size < 0)
		return (int)size;
	return sc_open_file(path);
}

int main(int argc, char **argv)
{
	sc.open_file = open_after_size;
	return sc_main(argc, argv);
}
