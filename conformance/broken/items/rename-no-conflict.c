/* BREAKS: ITEMS-044 */
/* Names are checked for uniqueness on create only: a PUT or PATCH can
 * rename an item to the name of another one.
 */
#include "common.h"

static int name_taken_on_create(const char *name, int64_t except)
{
	if (except != 0)
		return 0; /* BUG: a change of name is not checked */
	return it_name_taken(name, except);
}

int main(int argc, char **argv)
{
	items.name_taken = name_taken_on_create;
	return items_main(argc, argv);
}
