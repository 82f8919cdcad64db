/* BREAKS: HTTP-012 */
/* Any method token is accepted, and a static path answers what it does not
 * know with 405. 405 says "this resource does not allow that method"; a
 * method the server does not implement at all deserves 501 (RFC 9110 §9.1).
 */
#include "common.h"

static int method_known_any(const char *method)
{
	(void)method;
	return 1; /* BUG: no list of implemented methods: BREW goes on to the handlers */
}

int main(int argc, char **argv)
{
	http.method_known = method_known_any;
	return http_main(argc, argv);
}
