/* BREAKS: ITEMS-012 */
/* HEAD is answered like GET, body included: on a keep-alive connection
 * the client reads those bytes as the start of the next response.
 */
#include "common.h"

static int respond_head_as_get(struct it_conn *c, struct it_req *r, struct it_reply *rp)
{
	r->is_head = 0; /* BUG: the body goes out for HEAD too */
	return it_respond(c, r, rp);
}

int main(int argc, char **argv)
{
	items.respond = respond_head_as_get;
	return items_main(argc, argv);
}
