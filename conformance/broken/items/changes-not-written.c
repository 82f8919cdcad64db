/* BREAKS: ITEMS-111 */
/* Only creates are written through to SQLite; a PUT, PATCH or DELETE
 * changes the items in memory and is acknowledged, but the database never
 * hears of it: after a restart the old values, and deleted items, are back.
 */
#include "common.h"

static int write_creates_only(int op, const struct it_item *item)
{
	if (op != IT_OP_CREATE)
		return IT_OK; /* BUG: the change is not in the database */
	return it_db_write(op, item);
}

int main(int argc, char **argv)
{
	items.db_write = write_creates_only;
	return items_main(argc, argv);
}
