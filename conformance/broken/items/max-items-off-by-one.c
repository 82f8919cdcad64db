/* BREAKS: ITEMS-120 */
/* Off by one: the store is full only past --max-items (`>` for `>=`), so
 * it holds one item more than it may.
 */
#include "common.h"

static int full_past_max(size_t n)
{
	return (long long)n > it_cfg.max_items; /* BUG: N + 1 items fit */
}

int main(int argc, char **argv)
{
	items.full = full_past_max;
	return items_main(argc, argv);
}
