/* BREAKS: ITEMS-043 */
/* An id member in a PUT or PATCH body is dropped unread ("the path says
 * which item"): a body meant for item 5 sent to /items/6 replaces item 6
 * without a word.
 */
#include "common.h"

static json_t *body_id_dropped(const struct it_req *r, int *status)
{
	json_t *obj = it_body_object(r, status);
	if (obj && strcmp(r->method, "POST") != 0)
		json_object_del(obj, "id"); /* BUG: a different id is not refused */
	return obj;
}

int main(int argc, char **argv)
{
	items.body_object = body_id_dropped;
	return items_main(argc, argv);
}
