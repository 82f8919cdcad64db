/* BREAKS: ITEMS-071 */
/* A 429 without Retry-After: the client can only guess when to come back,
 * and usually guesses "at once".
 */
#include "common.h"

static int limit_without_retry_after(const struct it_req *r, struct it_reply *rp)
{
	int limited = it_limit(r, rp);
	rp->retry_after = 0; /* BUG: no Retry-After field */
	return limited;
}

int main(int argc, char **argv)
{
	items.limit = limit_without_retry_after;
	return items_main(argc, argv);
}
