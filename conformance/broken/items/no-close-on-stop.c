/* BREAKS: ITEMS-102 */
/* A request finished during a stop is answered as a keep-alive one (no
 * Connection: close), then the connection is closed anyway: the client may
 * send its next request into a closing connection.
 */
#include "common.h"

static int never_last(const struct it_req *r)
{
	(void)r;
	return 0; /* BUG: no Connection: close while stopping */
}

int main(int argc, char **argv)
{
	items.closing = never_last;
	return items_main(argc, argv);
}
