/* BREAKS: CAT-011 */
/* The line number is written through the same function as the line's
 * bytes, so with -T the TAB after the number becomes `^I` too; it is the
 * separator cat adds, not input, and stays a TAB.
 */
#include "common.h"

static void put_number_as_text(void)
{
	char num[32];
	snprintf(num, sizeof num, "%6lld\t", ++cat_st.lineno);
	for (char *c = num; *c; c++)
		cat.put_char((unsigned char)*c); /* BUG: -T is for the input's TABs */
}

int main(int argc, char **argv)
{
	cat.put_number = put_number_as_text;
	return cat_main(argc, argv);
}
