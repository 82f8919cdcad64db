/* BREAKS: ITEMS-114 */
/* When the database cannot be opened, the service warns and carries on
 * with its items in memory: it looks healthy, and everything it
 * acknowledges is lost at the next restart.
 */
#include "common.h"

static int open_or_memory(const char *path)
{
	if (it_db_open(path) < 0)
		it_log(IT_WARN, "keeping the items in memory"); /* BUG: should exit 1 */
	return 0;
}

int main(int argc, char **argv)
{
	items.db_open = open_or_memory;
	return items_main(argc, argv);
}
