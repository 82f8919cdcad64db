/* BREAKS: ITEMS-022 */
/* --max-body is parsed and never enforced: any body is read whole into
 * memory, so one client can make the service allocate without bound.
 */
#include "common.h"

static int never_too_large(unsigned long long total)
{
	(void)total;
	return 0; /* BUG: no limit */
}

int main(int argc, char **argv)
{
	items.too_large = never_too_large;
	return items_main(argc, argv);
}
