/* BREAKS: LSOF-015 */
/* Any failure to open /proc/PID/fd or read a link is taken for "it has
 * vanished": EACCES is skipped silently, exit status 0.
 */
#include "common.h"

static bool always_gone(int err)
{
	(void)err;
	return true; /* BUG: Permission denied treated like ENOENT */
}

int main(int argc, char **argv)
{
	lsof.gone = always_gone;
	return lsof_main(argc, argv);
}
