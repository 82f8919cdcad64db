/* BREAKS: ITEMS-075 */
/* Buckets are never reclaimed: every address that ever made a request
 * keeps one forever, and rate_limit_clients only grows (memory too, with
 * one bucket per address of a scan).
 */
#include "common.h"

static void sweep_nothing(double now)
{
	(void)now; /* BUG: full buckets are kept */
}

int main(int argc, char **argv)
{
	items.sweep = sweep_nothing;
	return items_main(argc, argv);
}
