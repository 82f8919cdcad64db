/* BREAKS: ITEMS-101 */
/* A stop waits for every connection to end on its own: an idle keep-alive
 * connection is not closed, so the stop lasts until the client leaves or
 * --shutdown-timeout cuts it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	items.close_idle = 0; /* BUG: idle connections are left open */
	return items_main(argc, argv);
}
