/* BREAKS: ITEMS-034 */
/* The cursor is an offset (how many items the client has seen): the
 * classic LIMIT/OFFSET pagination. Delete an item of a page already read
 * and every later item moves one place forward, so the next page starts
 * one item too late and one item is never listed.
 */
#include "common.h"

static int page_by_offset(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
			  int64_t *next)
{
	int64_t after = 0;
	for (int64_t skip = cursor; skip > 0;) { /* BUG: position, not key */
		size_t k;
		int m;
		it_store_list(after, skip < (int64_t)limit ? (size_t)skip : limit, out, &k, &m);
		if (k == 0)
			break;
		after = out[k - 1].id;
		skip -= (int64_t)k;
	}
	int rc = it_store_list(after, limit, out, n, more);
	*next = cursor + (int64_t)*n;
	return rc;
}

int main(int argc, char **argv)
{
	items.page = page_by_offset;
	return items_main(argc, argv);
}
