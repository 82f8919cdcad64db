/* BREAKS: CAT-010 */
/* -E writes `$` before each newline and leaves every other byte alone: a
 * CRLF line ends `\r$`, where GNU cat 9.1 writes `^M$`.
 */
#include "common.h"

static void put_char_plain_cr(unsigned char c)
{
	if (c == '\t' && cat_opt.tabs)
		cat_put("^I", 2);
	else
		cat_put(&c, 1); /* BUG: a CR just before a newline is ^M with -E */
}

int main(int argc, char **argv)
{
	cat.put_char = put_char_plain_cr;
	return cat_main(argc, argv);
}
