/* BREAKS: PROXY-002 */
/* Durations are read as whole seconds (strtol, the rest of the string
 * refused), as most command-line parsers read numbers: `--connect-timeout
 * 0.5` is rejected as not a number and the proxy exits with its usage.
 * The spec allows decimals, and half a second is a normal connect timeout
 * on a LAN.
 */
#include "common.h"

static int whole_seconds(const char *v, double *out)
{
	char *end;
	long n = strtol(v, &end, 10); /* BUG: "0.5" stops at the dot and is refused */
	if (end == v || *end || n < 0 || n > 86400)
		return -1;
	*out = (double)n;
	return 0;
}

int main(int argc, char **argv)
{
	px.seconds = whole_seconds;
	return px_main(argc, argv, PX_PROXY);
}
