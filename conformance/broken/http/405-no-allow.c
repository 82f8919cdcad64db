/* BREAKS: HTTP-035 */
/* 405 without an Allow field. RFC 9110 §15.5.6: the origin server MUST
 * list the methods the resource supports.
 */
#include "common.h"

static void not_allowed_no_allow(struct http_conn *c, struct http_req *r, const char *allow)
{
	(void)allow; /* BUG: no Allow field */
	http_error(c, r, 405);
}

int main(int argc, char **argv)
{
	http.not_allowed = not_allowed_no_allow;
	return http_main(argc, argv);
}
