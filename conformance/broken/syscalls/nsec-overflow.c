/* BREAKS: SYSC-006 */
/* The whole delay put in tv_nsec: fine up to 999 ms, but from 1000 ms on
 * tv_nsec is 1e9 or more, nanosleep() fails with EINVAL, and as its result
 * is not checked the program does not sleep at all.
 */
#include "common.h"

static int sleep_nsec_only(long ms)
{
	struct timespec req = {0, ms * 1000000L}; /* BUG: tv_nsec must stay below 1e9 */
	nanosleep(&req, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	sc.sleep_ms = sleep_nsec_only;
	return sc_main(argc, argv);
}
