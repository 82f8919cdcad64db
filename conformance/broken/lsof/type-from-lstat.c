/* BREAKS: LSOF-007 */
/* TYPE from lstat() of /proc/PID/fd/FD: that is the symbolic link itself,
 * so every descriptor is LNK.
 */
#include "common.h"

static const char *type_of_link(const char *path, const char *name)
{
	struct stat st;
	if (lstat(path, &st) < 0) /* BUG: the link, not what it leads to */
		return errno == ENOENT ? NULL : strncmp(name, "anon_inode:", 11) == 0 ? "a_inode" : "unknown";
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: return "REG";
	case S_IFDIR: return "DIR";
	case S_IFLNK: return "LNK";
	default: return "unknown";
	}
}

int main(int argc, char **argv)
{
	lsof.type_of = type_of_link;
	return lsof_main(argc, argv);
}
