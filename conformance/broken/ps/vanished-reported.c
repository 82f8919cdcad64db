/* BREAKS: PS-014 */
/* Every failure to read a process's files is reported, ENOENT and ESRCH
 * too: a process that ends between the listing of /proc and the read of
 * its stat gets `mps: /proc/PID/stat: No such file or directory` and exit
 * status 1.
 */
#include "common.h"

static bool never_gone(int err)
{
	(void)err;
	return false; /* BUG: an ended process is an error like any other */
}

int main(int argc, char **argv)
{
	ps.gone = never_gone;
	return ps_main(argc, argv);
}
