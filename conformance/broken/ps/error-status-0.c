/* BREAKS: PS-016 */
/* A /proc/PID/stat or cmdline that cannot be read (EIO, EACCES) is
 * reported on stderr, but the exit status stays 0: a warning, not an
 * error.
 */
#include "common.h"

int main(int argc, char **argv)
{
	ps.error_status = 0; /* BUG: a message on stderr with status 0 */
	return ps_main(argc, argv);
}
