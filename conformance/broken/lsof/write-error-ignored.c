/* BREAKS: LSOF-017 */
/* printf()'s results never checked and the final flush not looked at:
 * with stdout on /dev/full nothing says so, exit 0.
 */
#include "common.h"

static int finish_quietly(void)
{
	fflush(stdout); /* BUG: the error is not looked at */
	return 0;
}

int main(int argc, char **argv)
{
	lsof.finish = finish_quietly;
	return lsof_main(argc, argv);
}
