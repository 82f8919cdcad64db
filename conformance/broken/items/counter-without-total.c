/* BREAKS: ITEMS-081 */
/* An extra counter, items_added (the ids given out), named without the
 * _total suffix the Prometheus naming conventions ask of a counter: the
 * text parses, but promtool's lint reports it.
 */
#include "common.h"

static void metrics_items_added(struct it_sb *b)
{
	it_metrics(b);
	pthread_mutex_lock(&it_store.lock);
	int64_t added = it_store.last_id;
	pthread_mutex_unlock(&it_store.lock);
	it_sb_add(b, "# HELP items_added Items created since the start.\n"
		     "# TYPE items_added counter\n" /* BUG: a counter's name ends in _total */
		     "items_added %" PRId64 "\n", added);
}

int main(int argc, char **argv)
{
	items.metrics = metrics_items_added;
	return items_main(argc, argv);
}
