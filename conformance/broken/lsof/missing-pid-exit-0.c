/* BREAKS: LSOF-012 */
/* A PID operand that is no process is reported, but the exit status stays
 * 0: a warning, not an error.
 */
#include "common.h"

int main(int argc, char **argv)
{
	lsof.missing_pid_status = 0; /* BUG: the message alone */
	return lsof_main(argc, argv);
}
