/* BREAKS: ITEMS-017 */
/* More than 10 tags are cut down to the first 10 ("be lenient"): the
 * client is told its item was created as sent, and it was not.
 */
#include "common.h"

static int tags_first_ten(json_t *v, struct it_item *item)
{
	if (json_is_array(v) && json_array_size(v) > IT_TAGS_MAX) {
		json_t *ten = json_array();
		for (size_t i = 0; ten && i < IT_TAGS_MAX; i++)
			json_array_append(ten, json_array_get(v, i)); /* BUG: the rest dropped */
		int rc = ten ? it_check_tags(ten, item) : -1;
		json_decref(ten);
		return rc;
	}
	return it_check_tags(v, item);
}

int main(int argc, char **argv)
{
	items.check_tags = tags_first_ten;
	return items_main(argc, argv);
}
