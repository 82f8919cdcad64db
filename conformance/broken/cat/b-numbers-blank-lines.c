/* BREAKS: CAT-008 */
/* -b is read as "-n", with only its name different: empty lines get a
 * number too, where -b leaves them as they are.
 */
#include "common.h"

static void number_every_blank(void)
{
	if (cat_opt.number)
		cat.put_number(); /* BUG: not with -b */
}

int main(int argc, char **argv)
{
	cat.blank_line = number_every_blank;
	return cat_main(argc, argv);
}
