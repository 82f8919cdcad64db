/* BREAKS: HTTP-035 */
/* A method the path does not allow gets 404 ("there is no POST handler
 * for this path"). The resource exists; RFC 9110 §15.5.6 says 405 and
 * which methods it allows.
 */
#include "common.h"

static void not_allowed_404(struct http_conn *c, struct http_req *r, const char *allow)
{
	(void)allow;
	http_error(c, r, 404); /* BUG: 404, not 405 */
}

int main(int argc, char **argv)
{
	http.not_allowed = not_allowed_404;
	return http_main(argc, argv);
}
