/* BREAKS: ITEMS-041 */
/* A null in a merge patch resets any member to its zero value, name and
 * price included: {"name": null} leaves an item with an empty name.
 */
#include "common.h"

static int null_resets_all(const char *member, struct it_item *item)
{
	if (strcmp(member, "name") == 0)
		item->name[0] = '\0'; /* BUG: a required member has no default */
	else if (strcmp(member, "price") == 0)
		item->price = 0;
	else
		return it_patch_null(member, item);
	return 0;
}

int main(int argc, char **argv)
{
	items.patch_null = null_resets_all;
	return items_main(argc, argv);
}
