/* BREAKS: HTTP-014 */
/* Content-Length is read with atoll(): "12abc" is 12, "+5" is 5, "5, 7" is
 * 5. A value the server reads differently from a proxy in front of it is a
 * request-smuggling hole; RFC 9112 §6.3 makes an invalid one a 400.
 */
#include "common.h"

static int content_length_atoll(const char *v, long long *n)
{
	*n = atoll(v); /* BUG: whatever follows the digits is ignored */
	return *n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	http.content_length = content_length_atoll;
	return http_main(argc, argv);
}
