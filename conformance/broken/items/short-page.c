/* BREAKS: ITEMS-031 */
/* Off by one: a page holds limit - 1 items (a `<` that should be `<=` in
 * the loop filling it). Following the cursors still lists every item.
 */
#include "common.h"

static int page_short(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
		      int64_t *next)
{
	return it_page(cursor, limit > 1 ? limit - 1 : limit, out, n, more, next); /* BUG */
}

int main(int argc, char **argv)
{
	items.page = page_short;
	return items_main(argc, argv);
}
