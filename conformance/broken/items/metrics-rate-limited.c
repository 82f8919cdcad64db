/* BREAKS: ITEMS-073 */
/* Every route takes a token, /metrics and /healthz too: a client that is
 * being limited cannot even be watched, and Prometheus's scrapes eat the
 * burst of the address they come from.
 */
#include "common.h"

static int every_route_limited(int route)
{
	(void)route;
	return 1; /* BUG: the scrape and the health check are limited too */
}

int main(int argc, char **argv)
{
	items.limited_route = every_route_limited;
	return items_main(argc, argv);
}
