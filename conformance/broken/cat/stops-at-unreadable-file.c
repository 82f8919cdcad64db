/* BREAKS: CAT-021 */
/* Only a missing file is taken as a typo to report and step over; any
 * other failure to open (EACCES, ...) is taken as trouble and ends the
 * program with status 1: the files after it are never copied.
 */
#include "common.h"

static void give_up_unless_missing(const char *name, int err)
{
	cat_file_error(name, err);
	if (err != ENOENT)
		exit(1); /* BUG: the other operands are still to be copied */
}

int main(int argc, char **argv)
{
	cat.open_error = give_up_unless_missing;
	return cat_main(argc, argv);
}
