/* BREAKS: GREP-021 */
/* -r looks at each directory entry with stat(), which follows symbolic
 * links: links to files are searched, links to directories walked into
 * (the same files found twice), and a broken link is reported as missing.
 */
#include "common.h"

static int stat_at(int dirfd, const char *name, struct stat *st)
{
	return fstatat(dirfd, name, st, 0) < 0 ? -errno : 0; /* BUG: AT_SYMLINK_NOFOLLOW */
}

int main(int argc, char **argv)
{
	grep.lstat_at = stat_at;
	return grep_main(argc, argv);
}
