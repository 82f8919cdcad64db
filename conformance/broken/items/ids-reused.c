/* BREAKS: ITEMS-011 */
/* A new id is one more than the largest id stored now ("SELECT max(id) +
 * 1"): delete the newest item and the next create gets its id again, so
 * a client holding the old id now reads someone else's item.
 */
#include "common.h"

static int64_t next_id_from_max(void)
{
	return it_store.n ? it_store.v[it_store.n - 1].id + 1 : 1; /* BUG: max + 1 */
}

int main(int argc, char **argv)
{
	items.next_id = next_id_from_max;
	return items_main(argc, argv);
}
