/* BREAKS: HTTP-009 */
/* A request without Host is served: the server has one site, so it never
 * looks at Host. RFC 9112 §3.2 requires a 400 for an HTTP/1.1 request
 * without one (the field is what makes virtual hosting possible).
 */
#include "common.h"

static int host_rule_lax(const struct http_req *r, int hosts)
{
	(void)r;
	return hosts > 1 ? 400 : 0; /* BUG: a missing Host is fine */
}

int main(int argc, char **argv)
{
	http.host_rule = host_rule_lax;
	return http_main(argc, argv);
}
