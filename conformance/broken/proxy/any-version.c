/* BREAKS: PROXY-047 */
/* Only the minor version is looked at: "HTTP/2.0" and "HTTP/3.0" are taken
 * for 1.0 and forwarded, where RFC 9110 §15.6.6 wants a 505 for a major
 * version the proxy does not speak.
 */
#include "common.h"

static int version_minor_only(int major, int minor)
{
	(void)major; /* BUG: never checked */
	return minor == 0 || minor == 1;
}

int main(int argc, char **argv)
{
	px.version_ok = version_minor_only;
	return px_main(argc, argv, PX_PROXY);
}
