/* BREAKS: ITEMS-134 */
/* The trace id of each request line is made in a buffer from malloc()
 * whose result is never checked: the first time memory runs out while a
 * response is logged, the service writes through a NULL pointer and dies
 * of SIGSEGV, taking every client and (in memory) every item with it.
 */
#include "common.h"

static void trace_id_unchecked(const char *traceparent, char out[33])
{
	char *hex = malloc(33); /* BUG: NULL never checked */
	it_trace_id(traceparent, hex);
	memcpy(out, hex, 33);
	free(hex);
}

int main(int argc, char **argv)
{
	items.trace_id = trace_id_unchecked;
	return items_main(argc, argv);
}
