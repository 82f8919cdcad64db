/* BREAKS: ITEMS-062 */
/* 405 without Allow: the client learns that its method is wrong but not
 * which ones are right (RFC 9110 §15.5.6: the origin server MUST send it).
 */
#include "common.h"

static void not_allowed_bare(struct it_req *r, struct it_reply *rp, const char *allow)
{
	it_not_allowed(r, rp, allow);
	rp->allow = NULL; /* BUG: no Allow field */
}

int main(int argc, char **argv)
{
	items.not_allowed = not_allowed_bare;
	return items_main(argc, argv);
}
