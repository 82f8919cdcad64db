/* BREAKS: ITEMS-033 */
/* The cursor is read with atoll(): garbage reads as 0 and silently starts
 * the listing again from the first page, so a client with a corrupted
 * cursor loops forever instead of being told.
 */
#include "common.h"

static int cursor_atoll(const char *v, int64_t *cursor)
{
	long long c = atoll(v); /* BUG: "x!" is 0, not an error */
	*cursor = c < 0 ? 0 : c;
	return 0;
}

int main(int argc, char **argv)
{
	items.parse_cursor = cursor_atoll;
	return items_main(argc, argv);
}
