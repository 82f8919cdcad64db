/* BREAKS: CAT-013 */
/* A file that cannot be opened ends the program with status 1: the files
 * after it are never copied.
 */
#include "common.h"

static void give_up(const char *name, int err)
{
	cat_file_error(name, err);
	exit(1); /* BUG: the other operands are still to be copied */
}

int main(int argc, char **argv)
{
	cat.open_error = give_up;
	return cat_main(argc, argv);
}
