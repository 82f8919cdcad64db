/* BREAKS: ITEMS-010 */
/* A create answers 200 OK ("it worked"), not 201 Created: the client is
 * never told that a new resource exists (RFC 9110 §15.3.2).
 */
#include "common.h"

static void create_200(struct it_req *r, struct it_reply *rp)
{
	it_create(r, rp);
	if (rp->status == 201)
		rp->status = 200; /* BUG: success is success */
}

int main(int argc, char **argv)
{
	items.create = create_200;
	return items_main(argc, argv);
}
