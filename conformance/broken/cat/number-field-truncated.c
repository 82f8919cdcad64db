/* BREAKS: CAT-006 */
/* The number is formatted into `char num[8]`: six digits, the TAB and the
 * NUL. From line 1000000 on, snprintf cuts the TAB off, and the number
 * runs into the text.
 */
#include "common.h"

static void put_number_small(void)
{
	char num[8]; /* BUG: a number may have more than six digits */
	snprintf(num, sizeof num, "%6lld\t", ++cat_st.lineno);
	cat_put(num, strlen(num));
}

int main(int argc, char **argv)
{
	cat.put_number = put_number_small;
	return cat_main(argc, argv);
}
