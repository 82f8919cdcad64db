/* BREAKS: LSOF-011 */
/* TYPE from stat() of the target path rather than of /proc/PID/fd/FD: a
 * deleted file (`/tmp/x (deleted)`) is `unknown`, and one whose path is
 * now a directory shows DIR.
 */
#include "common.h"

static const char *type_of_target(const char *path, const char *name)
{
	char target[8192];
	if (name[0] != '/')
		return lsof_type_of(path, name); /* sockets, pipes: no path to stat */
	snprintf(target, sizeof target, "%s", name);
	char *del = strstr(target, " (deleted)");
	if (del != NULL)
		*del = '\0';
	struct stat st;
	if (stat(target, &st) < 0) /* BUG: the name, not the open file */
		return "unknown";
	return S_ISREG(st.st_mode) ? "REG" : S_ISDIR(st.st_mode) ? "DIR" : S_ISCHR(st.st_mode) ? "CHR" :
	       S_ISBLK(st.st_mode) ? "BLK" : S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "SOCK" :
	       "unknown";
}

int main(int argc, char **argv)
{
	lsof.type_of = type_of_target;
	return lsof_main(argc, argv);
}
