/* BREAKS: ITEMS-032 */
/* next_cursor is set whenever the page is full ("there may be more"): the
 * page that holds the last item still has a cursor when the item count is
 * a multiple of limit, and the client must fetch an empty page to learn
 * it is done.
 */
#include "common.h"

static int page_guesses_more(int64_t cursor, size_t limit, struct it_item *out, size_t *n,
			     int *more, int64_t *next)
{
	int rc = it_page(cursor, limit, out, n, more, next);
	*more = *n == limit; /* BUG: a full page is not proof of a next one */
	return rc;
}

int main(int argc, char **argv)
{
	items.page = page_guesses_more;
	return items_main(argc, argv);
}
