/* BREAKS: ITEMS-093 */
/* Every request line gets a fresh trace_id, whatever traceparent came: the
 * line cannot be found from the trace the caller started.
 */
#include "common.h"

static void trace_always_new(const char *traceparent, char out[33])
{
	(void)traceparent;
	it_trace_id(NULL, out); /* BUG: the incoming trace-id is dropped */
}

int main(int argc, char **argv)
{
	items.trace_id = trace_always_new;
	return items_main(argc, argv);
}
