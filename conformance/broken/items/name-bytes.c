/* BREAKS: ITEMS-014 */
/* The name's length is counted in bytes (strlen), not characters: a name
 * of 100 characters outside ASCII is refused as too long.
 */
#include "common.h"

static int name_bytes(json_t *v, struct it_item *item)
{
	if (json_is_string(v) && json_string_length(v) > IT_NAME_MAX)
		return -1; /* BUG: 100 bytes, not 100 characters */
	return it_check_name(v, item);
}

int main(int argc, char **argv)
{
	items.check_name = name_bytes;
	return items_main(argc, argv);
}
