/* BREAKS: HTTP-011 */
/* Only the minor version is looked at: "GET / HTTP/2.0" gets a 200 as if
 * it were HTTP/1.0, HTTP/3.1 is served as HTTP/1.1. A server must answer a
 * major version it does not speak with 505 (RFC 9110 §15.6.6).
 */
#include "common.h"

static int version_ok_any_major(int major, int minor)
{
	(void)major; /* BUG: the major version is never checked */
	return minor == 0 || minor == 1;
}

int main(int argc, char **argv)
{
	http.version_ok = version_ok_any_major;
	return http_main(argc, argv);
}
