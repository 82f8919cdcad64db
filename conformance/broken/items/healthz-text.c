/* BREAKS: ITEMS-004 */
/* /healthz answers the text "OK", as load balancers' checks often expect:
 * the spec wants the JSON object {"status":"ok"}.
 */
#include "common.h"

static void health_text(struct it_req *r, struct it_reply *rp)
{
	(void)r;
	rp->status = 200;
	rp->ctype = "text/plain";
	rp->body = strdup("OK\n"); /* BUG: not JSON */
	rp->len = rp->body ? 3 : 0;
}

int main(int argc, char **argv)
{
	items.health = health_text;
	return items_main(argc, argv);
}
