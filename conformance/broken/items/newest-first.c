/* BREAKS: ITEMS-030 */
/* Each page is sorted newest first ("what users want to see"), while the
 * cursor still walks the ids upwards: the order the spec promises, and
 * that a client merging pages relies on, is gone.
 */
#include "common.h"

static int page_reversed(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
			 int64_t *next)
{
	int rc = it_page(cursor, limit, out, n, more, next);
	for (size_t i = 0; i < *n / 2; i++) { /* BUG: descending id order */
		struct it_item t = out[i];
		out[i] = out[*n - 1 - i];
		out[*n - 1 - i] = t;
	}
	return rc;
}

int main(int argc, char **argv)
{
	items.page = page_reversed;
	return items_main(argc, argv);
}
