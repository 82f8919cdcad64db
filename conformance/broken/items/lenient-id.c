/* BREAKS: ITEMS-061 */
/* The id in the path is read with strtoll(): 007, +7 and 7 all name item
 * 7, so one item has many URIs (and caches, logs and metrics see them as
 * different resources).
 */
#include "common.h"

static int path_id_strtoll(const struct it_req *r, struct it_reply *rp, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(r->id, &end, 10); /* BUG: sign and leading zeros accepted */
	if (end == r->id || *end || errno || v < 1) {
		items.error(rp, 404, NULL, "no such item");
		return -1;
	}
	*id = v;
	return 0;
}

int main(int argc, char **argv)
{
	items.path_id = path_id_strtoll;
	return items_main(argc, argv);
}
