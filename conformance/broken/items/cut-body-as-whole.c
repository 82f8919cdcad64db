/* BREAKS: ITEMS-132 */
/* A body that ends early (the client closed or reset its connection) is
 * taken as the whole body: a create cut in the middle of its upload can
 * still create an item, from half the data.
 */
#include "common.h"

static int take_until_close(struct it_conn *c, struct it_req *r, size_t want)
{
	if (it_take_body(c, r, want) < 0) {
		if (r->bodylen == 0)
			return -1;
		r->close = 1;
		return 0; /* BUG: the end of the stream is not the end of the body */
	}
	return 0;
}

int main(int argc, char **argv)
{
	items.take_body = take_until_close;
	return items_main(argc, argv);
}
