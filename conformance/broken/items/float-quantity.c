/* BREAKS: ITEMS-016 */
/* The quantity is checked as a number with no fraction part, so 1.0 and
 * 1e2 pass as integers: the spec wants an integer literal.
 */
#include "common.h"

static int quantity_whole_number(json_t *v, struct it_item *item)
{
	if (json_is_real(v) && json_real_value(v) == (double)(int64_t)json_real_value(v) &&
	    json_real_value(v) >= 0 && json_real_value(v) <= 1000000000) {
		item->quantity = (int64_t)json_real_value(v); /* BUG: 1.0 is not an integer literal */
		return 0;
	}
	return it_check_quantity(v, item);
}

int main(int argc, char **argv)
{
	items.check_quantity = quantity_whole_number;
	return items_main(argc, argv);
}
