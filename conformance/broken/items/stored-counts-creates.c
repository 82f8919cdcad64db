/* BREAKS: ITEMS-087 */
/* items_stored is the number of items ever created (the last id), which
 * is cheap to read: deletes never bring it down.
 */
#include "common.h"

static size_t stored_ever(void)
{
	pthread_mutex_lock(&it_store.lock);
	size_t n = (size_t)it_store.last_id; /* BUG: creates, not items held */
	pthread_mutex_unlock(&it_store.lock);
	return n;
}

int main(int argc, char **argv)
{
	items.stored = stored_ever;
	return items_main(argc, argv);
}
