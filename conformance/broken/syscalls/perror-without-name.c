/* BREAKS: SYSC-010 */
/* Errors reported with perror("open"): `open: No such file or directory`
 * does not say which file.
 */
#include "common.h"

static void perror_open(const char *path, int err)
{
	(void)path;
	errno = -err;
	perror("open"); /* BUG: FILE not named */
}

int main(int argc, char **argv)
{
	sc.file_error = perror_open;
	return sc_main(argc, argv);
}
