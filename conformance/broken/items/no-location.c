/* BREAKS: ITEMS-010 */
/* A 201 without Location: "the id is in the body anyway". RFC 9110
 * §15.3.2 says a 201 names the new resource in Location.
 */
#include "common.h"

static void create_no_location(struct it_req *r, struct it_reply *rp)
{
	it_create(r, rp);
	rp->location[0] = '\0'; /* BUG: the new item's URI is not given */
}

int main(int argc, char **argv)
{
	items.create = create_no_location;
	return items_main(argc, argv);
}
