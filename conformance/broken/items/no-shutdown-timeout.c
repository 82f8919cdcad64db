/* BREAKS: ITEMS-104 */
/* A stop waits for every request in progress however long it takes: one
 * client that never finishes its upload keeps the service from exiting.
 */
#include "common.h"

static long drain_forever(int seconds)
{
	(void)seconds;
	return it_drain(INT_MAX / 2); /* BUG: --shutdown-timeout is ignored */
}

int main(int argc, char **argv)
{
	items.drain = drain_forever;
	return items_main(argc, argv);
}
