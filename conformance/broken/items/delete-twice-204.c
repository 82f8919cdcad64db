/* BREAKS: ITEMS-050 */
/* DELETE answers 204 whether or not the item was there ("it is gone
 * either way"): a second DELETE of the same id is 204 again, not 404.
 */
#include "common.h"

static void delete_always_204(struct it_req *r, struct it_reply *rp)
{
	it_remove(r, rp);
	if (rp->status == 404) {
		free(rp->body);
		it_reply_init(rp);
		rp->status = 204; /* BUG: nothing was deleted */
	}
}

int main(int argc, char **argv)
{
	items.remove = delete_always_204;
	return items_main(argc, argv);
}
