/* BREAKS: CAT-012 */
/* -n and -b are handled as two settings of one switch, the last one given
 * winning: `-b -n` (or `-bn`) numbers every line, empty ones included.
 * GNU cat lets -b win whatever the order.
 */
#include "common.h"

static int last_one_wins(int c)
{
	if (c == 'n') {
		cat_opt.number = 1;
		cat_opt.nonblank = 0; /* BUG: an earlier -b still wins */
		return 0;
	}
	return cat_option(c);
}

int main(int argc, char **argv)
{
	cat.option = last_one_wins;
	return cat_main(argc, argv);
}
