/* BREAKS: PS-017 */
/* printf()'s results never checked and stdout never flushed by hand:
 * with stdout on /dev/full every write fails, nothing says so, exit 0.
 */
#include "common.h"

static int finish_quietly(void)
{
	fflush(stdout); /* BUG: the error is not looked at */
	return 0;
}

int main(int argc, char **argv)
{
	ps.finish = finish_quietly;
	return ps_main(argc, argv);
}
