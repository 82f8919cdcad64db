/* BREAKS: ITEMS-013 */
/* The price is kept in a float ("six digits are plenty for money"): 19.99
 * comes back as 19.989999771118164.
 */
#include "common.h"

static int price_float(json_t *v, struct it_item *item)
{
	int rc = it_check_price(v, item);
	item->price = (float)item->price; /* BUG: single precision */
	return rc;
}

int main(int argc, char **argv)
{
	items.check_price = price_float;
	return items_main(argc, argv);
}
