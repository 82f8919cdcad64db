/* BREAKS: HTTP-007 */
/* An over-long field line or head is refused with a plain 400 Bad Request,
 * not 431 Request Header Fields Too Large (RFC 6585 §5): the client is not
 * told that a smaller head would be accepted.
 */
#include "common.h"

static int check_limits_400(const char *buf, size_t len)
{
	int st = http_check_limits(buf, len);
	return st == 431 ? 400 : st; /* BUG: the wrong status */
}

int main(int argc, char **argv)
{
	http.check_limits = check_limits_400;
	return http_main(argc, argv);
}
