/* BREAKS: ITEMS-032 */
/* Off by one: a page after a cursor starts after cursor + 1 ("the cursor
 * item was already shown, skip it") and so skips the first item of every
 * page but the first.
 */
#include "common.h"

static int page_skips(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
		      int64_t *next)
{
	return it_page(cursor ? cursor + 1 : 0, limit, out, n, more, next); /* BUG: > cursor + 1 */
}

int main(int argc, char **argv)
{
	items.page = page_skips;
	return items_main(argc, argv);
}
