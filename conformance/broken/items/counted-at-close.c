/* BREAKS: ITEMS-083 */
/* Each connection keeps its own tally and adds it to the shared counters
 * when it closes ("no lock per request"): a client that read its response
 * on a keep-alive connection and scrapes does not find it counted.
 */
#include "common.h"

#define TALLY_MAX 256

static __thread struct {
	const char *method;
	int route, status;
	double seconds;
} tally[TALLY_MAX];
static __thread int ntally;

static const char *method_copy(const char *m)
{
	int i = it_method_index(m);
	return i < IT_NMETHODS - 1 ? it_method_names[i] : NULL;
}

static void flush_tally(void)
{
	for (int i = 0; i < ntally; i++)
		it_count(tally[i].method, tally[i].route, tally[i].status, tally[i].seconds);
	ntally = 0;
}

static void count_later(const char *method, int route, int status, double seconds)
{
	if (ntally == TALLY_MAX)
		flush_tally();
	tally[ntally].method = method_copy(method); /* BUG: counted when the connection ends */
	tally[ntally].route = route;
	tally[ntally].status = status;
	tally[ntally].seconds = seconds;
	ntally++;
}

static void conn_end_flush(struct it_conn *c)
{
	flush_tally();
	it_conn_end(c);
}

int main(int argc, char **argv)
{
	items.count = count_later;
	items.conn_end = conn_end_flush;
	return items_main(argc, argv);
}
