/* BREAKS: ITEMS-062 */
/* A method the route does not have gets 404 ("no handler for DELETE
 * /items"). The resource exists: RFC 9110 §15.5.6 says 405 with Allow.
 */
#include "common.h"

static void not_allowed_404(struct it_req *r, struct it_reply *rp, const char *allow)
{
	(void)r;
	(void)allow;
	items.error(rp, 404, NULL, "not found"); /* BUG: 404, not 405 */
}

int main(int argc, char **argv)
{
	items.not_allowed = not_allowed_404;
	return items_main(argc, argv);
}
