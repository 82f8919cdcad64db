/* BREAKS: LSOF-014 */
/* Every failure is reported: a descriptor closed (readlink: ENOENT) or a
 * process ended (/proc/PID/fd: ENOENT) while the program reads it gets a
 * message and exit status 1.
 */
#include "common.h"

static bool never_gone(int err)
{
	(void)err;
	return false; /* BUG: what vanished is an error like any other */
}

int main(int argc, char **argv)
{
	lsof.gone = never_gone;
	return lsof_main(argc, argv);
}
