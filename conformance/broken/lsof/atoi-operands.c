/* BREAKS: LSOF-013 */
/* Operands converted with atoi(): `12x` is 12, `abc` is 0 (no such
 * process), `-5` is -5; nothing is a usage error.
 */
#include "common.h"

static int parse_atoi(const char *s, int *pid)
{
	*pid = atoi(s); /* BUG: no check that s is a number */
	return 0;
}

int main(int argc, char **argv)
{
	lsof.parse_pid = parse_atoi;
	return lsof_main(argc, argv);
}
