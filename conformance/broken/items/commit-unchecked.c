/* BREAKS: ITEMS-130 */
/* COMMIT's result is never looked at: when it fails (the log cannot be
 * written or synced, the disk is full) the change is still made in memory
 * and acknowledged, though the database rolled it back.
 */
#include "common.h"

static int commit_unchecked(void)
{
	sqlite3_exec(it_db.h, "COMMIT", NULL, NULL, NULL); /* BUG: its result dropped */
	return SQLITE_OK;
}

int main(int argc, char **argv)
{
	items.db_commit = commit_unchecked;
	return items_main(argc, argv);
}
