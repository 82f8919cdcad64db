/* BREAKS: ITEMS-092 */
/* Every error status is logged at warn, 5xx included: the service's own
 * failures drown among the clients' mistakes, and an alert on "error"
 * lines never fires.
 */
#include "common.h"

static int level_two_ways(int status)
{
	return status >= 400 ? IT_WARN : IT_INFO; /* BUG: a 5xx is an error */
}

int main(int argc, char **argv)
{
	items.level_of = level_two_ways;
	return items_main(argc, argv);
}
