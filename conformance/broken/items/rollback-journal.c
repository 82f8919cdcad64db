/* BREAKS: ITEMS-113 */
/* The database is left in SQLite's default rollback-journal mode
 * (journal_mode=DELETE): PRAGMA journal_mode=WAL was forgotten, so readers
 * and the writer block each other.
 */
#include "common.h"

int main(int argc, char **argv)
{
	items.db_pragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"; /* BUG: no WAL */
	return items_main(argc, argv);
}
