/* BREAKS: SYSC-009 */
/* An absolute sleep whose deadline is computed inside the retry loop:
 * after EINTR the program sleeps "until now + MS" again, starting the
 * sleep over instead of finishing it.
 */
#include "common.h"

static int sleep_until_again(long ms)
{
	for (;;) {
		struct timespec at;
		clock_gettime(CLOCK_MONOTONIC, &at); /* BUG: a new deadline on every try */
		at.tv_sec += ms / 1000;
		at.tv_nsec += (ms % 1000) * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
		if (rc != EINTR)
			return -rc;
	}
}

int main(int argc, char **argv)
{
	sc.sleep_ms = sleep_until_again;
	return sc_main(argc, argv);
}
