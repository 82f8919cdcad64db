/* BREAKS: SYSC-013 */
/* --sleep-ms converted with atol(): `abc` is 0, `1.5` is 1, `-5` a
 * negative sleep; nothing is a usage error.
 */
#include "common.h"

static int parse_atol(const char *s, long *ms)
{
	*ms = atol(s); /* BUG: no check that s is a number */
	if (*ms < 0)
		*ms = 0;
	return 0;
}

int main(int argc, char **argv)
{
	sc.parse_ms = parse_atol;
	return sc_main(argc, argv);
}
