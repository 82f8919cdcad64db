/* BREAKS: ITEMS-112 */
/* The table's id is a plain INTEGER PRIMARY KEY, without AUTOINCREMENT, so
 * nothing remembers the ids of deleted rows: at start the id counter is
 * taken from MAX(id). Delete the newest item, restart, and its id is given
 * again.
 */
#include "common.h"

static int64_t last_id_from_max(void)
{
	sqlite3_stmt *st = NULL;
	int64_t last = -1;
	if (sqlite3_prepare_v2(it_db.h, "SELECT coalesce(max(id), 0) FROM items", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0); /* BUG: deleted rows' ids forgotten */
	sqlite3_finalize(st);
	return last;
}

int main(int argc, char **argv)
{
	items.db_schema = "CREATE TABLE IF NOT EXISTS items ("
			  "id INTEGER PRIMARY KEY, name TEXT NOT NULL, " /* BUG */
			  "price REAL NOT NULL, quantity INTEGER NOT NULL, tags TEXT NOT NULL)";
	items.db_last_id = last_id_from_max;
	return items_main(argc, argv);
}
