/* BREAKS: PS-001 */
/* The header copied from `ps -f`, whose last column is CMD: `PID PPID STAT
 * CMD` instead of `PID PPID STAT COMMAND`.
 */
#include "common.h"

int main(int argc, char **argv)
{
	ps.header = "    PID    PPID STAT CMD"; /* BUG: the column is COMMAND */
	return ps_main(argc, argv);
}
