/* BREAKS: ITEMS-019 */
/* Names are not checked for uniqueness ("the id is the key"): two items
 * may share a name.
 */
#include "common.h"

static int name_never_taken(const char *name, int64_t except)
{
	(void)name;
	(void)except;
	return 0; /* BUG: no conflict, ever */
}

int main(int argc, char **argv)
{
	items.name_taken = name_never_taken;
	return items_main(argc, argv);
}
