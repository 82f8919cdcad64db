/* BREAKS: SYSC-009 */
/* One nanosleep() and its result ignored: a signal (EINTR) cuts the sleep
 * short and the program prints at once.
 */
#include "common.h"

static int sleep_once(long ms)
{
	struct timespec req = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&req, NULL); /* BUG: EINTR not resumed */
	return 0;
}

int main(int argc, char **argv)
{
	sc.sleep_ms = sleep_once;
	return sc_main(argc, argv);
}
