/* BREAKS: ITEMS-018 */
/* Members the item does not have are dropped without a word ("ignore
 * what you do not know"): a client that misspells "quantity" as "qty"
 * gets 201 and an item with quantity 0.
 */
#include "common.h"

static json_t *body_without_unknown(const struct it_req *r, int *status)
{
	json_t *obj = it_body_object(r, status);
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "name") != 0 && strcmp(key, "price") != 0 &&
		    strcmp(key, "quantity") != 0 && strcmp(key, "tags") != 0)
			json_object_del(obj, key); /* BUG: should be a 422 naming it */
	}
	return obj;
}

int main(int argc, char **argv)
{
	items.body_object = body_without_unknown;
	return items_main(argc, argv);
}
