/* BREAKS: ITEMS-086 */
/* active_connections leaves out the connection of the scrape ("it is not
 * a client"): an idle service reports 0, and the gauge is one short
 * whenever it is read.
 */
#include "common.h"

static void metrics_minus_self(struct it_req *r, struct it_reply *rp)
{
	it_conns_add(-1); /* BUG: the scrape's own connection is not counted */
	it_metrics_page(r, rp);
	it_conns_add(1);
}

int main(int argc, char **argv)
{
	items.metrics_page = metrics_minus_self;
	return items_main(argc, argv);
}
