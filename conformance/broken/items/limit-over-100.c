/* BREAKS: ITEMS-031 */
/* limit is checked against the size the page buffer can take (10000),
 * not the spec's 100: one request can ask for a hundred pages' worth of
 * items, and hold the store's lock while they are copied.
 */
#include "common.h"

static int limit_no_max(long long limit)
{
	return limit >= 1 && limit <= 10000; /* BUG: the maximum is 100 */
}

int main(int argc, char **argv)
{
	items.limit_ok = limit_no_max;
	return items_main(argc, argv);
}
