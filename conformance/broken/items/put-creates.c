/* BREAKS: ITEMS-040 */
/* A PUT to an id that names no item creates one ("upsert"), with an id of
 * the service's choosing: the client asked to replace /items/9 and now
 * has an item elsewhere.
 */
#include "common.h"

static void replace_or_create(struct it_req *r, struct it_reply *rp)
{
	it_replace(r, rp);
	if (rp->status == 404) {
		int64_t id;
		struct it_reply gone;
		it_reply_init(&gone);
		if (items.path_id(r, &gone, &id) == 0)
			it_create(r, rp); /* BUG: absent means create */
		free(gone.body);
	}
}

int main(int argc, char **argv)
{
	items.replace = replace_or_create;
	return items_main(argc, argv);
}
