/* BREAKS: ITEMS-110 */
/* Creates are batched to save fsyncs: the 201 goes out at once, and a
 * thread commits the waiting creates to SQLite once a second. A SIGKILL
 * loses every create acknowledged since the last batch.
 */
#include "common.h"

static struct it_item *later;   /* creates acknowledged, not yet written */
static size_t nlater, caplater;

/* Writes the waiting creates (store locked). */
static void write_waiting(void)
{
	for (size_t i = 0; i < nlater; i++)
		it_db_write(IT_OP_CREATE, &later[i]);
	nlater = 0;
}

static void *batcher(void *arg)
{
	(void)arg;
	for (;;) {
		sleep(1);
		pthread_mutex_lock(&it_store.lock);
		write_waiting();
		pthread_mutex_unlock(&it_store.lock);
	}
	return NULL;
}

static int write_later(int op, const struct it_item *item)
{
	static int started;
	if (!started && it_thread(batcher, NULL) == 0)
		started = 1;
	if (op != IT_OP_CREATE) {
		write_waiting(); /* a change of a waiting item comes after its insert */
		return it_db_write(op, item);
	}
	if (nlater == caplater) {
		size_t cap = caplater ? caplater * 2 : 64;
		struct it_item *v = realloc(later, cap * sizeof *v);
		if (v == NULL)
			return IT_ENOMEM;
		later = v;
		caplater = cap;
	}
	later[nlater++] = *item;
	return IT_OK; /* BUG: acknowledged before it is committed */
}

int main(int argc, char **argv)
{
	items.db_write = write_later;
	return items_main(argc, argv);
}
