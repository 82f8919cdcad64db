/* BREAKS: ITEMS-121 */
/* Iterative: each connection is served to its end before the next one is
 * accepted. One keep-alive client holds the service; the others wait in
 * the backlog until it leaves or its idle timeout ends it.
 */
#include "common.h"

static int serve_inline(struct it_conn *c)
{
	it_conn_main(c); /* BUG: no thread: nobody else is served meanwhile */
	return 0;
}

int main(int argc, char **argv)
{
	items.spawn = serve_inline;
	return items_main(argc, argv);
}
