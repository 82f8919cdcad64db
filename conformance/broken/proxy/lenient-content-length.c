/* BREAKS: PROXY-037 */
/* Content-Length read with atoll(): "0, 49" is taken as 0 (and "12abc" as
 * 12). An origin that reads the list otherwise, or refuses it as RFC 9112
 * §6.3 item 5 asks, sees another request boundary than the proxy: the
 * bytes the proxy thought were the next request are a body to the origin,
 * or the other way round (request smuggling, §11.2).
 */
#include "common.h"

static int content_length_atoll(const char *v, long long *n)
{
	if (!isdigit((unsigned char)*v))
		return -1;
	*n = atoll(v); /* BUG: stops at the first non-digit; a list passes */
	return 0;
}

int main(int argc, char **argv)
{
	px.content_length = content_length_atoll;
	return px_main(argc, argv, PX_PROXY);
}
