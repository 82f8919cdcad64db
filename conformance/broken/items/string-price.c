/* BREAKS: ITEMS-015 */
/* The price is read with strtod() when it comes as a string ("be lenient
 * in what you accept"): "3" is stored as 3, and even "abc" as 0.
 */
#include "common.h"

static int price_from_string(json_t *v, struct it_item *item)
{
	if (json_is_string(v)) {
		item->price = strtod(json_string_value(v), NULL); /* BUG: a string is not a number */
		return 0;
	}
	return it_check_price(v, item);
}

int main(int argc, char **argv)
{
	items.check_price = price_from_string;
	return items_main(argc, argv);
}
