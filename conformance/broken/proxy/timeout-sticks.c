/* BREAKS: PROXY-051 */
/* After an upstream timeout the proxy marks its origin down "to spare the
 * next clients the wait", and never looks again: every later request gets
 * a 504 at once, without a connection attempt, even once the origin
 * answers again.
 */
#include "common.h"

static volatile int origin_down;

static int timeout_marks_down(void)
{
	origin_down = 1; /* BUG: never cleared */
	return px_timeout_status();
}

static int connect_unless_down(struct px_backend *b, int ms)
{
	if (origin_down)
		return -ETIMEDOUT;
	return px_connect(b, ms);
}

int main(int argc, char **argv)
{
	px.timeout_status = timeout_marks_down;
	px.connect = connect_unless_down;
	return px_main(argc, argv, PX_PROXY);
}
