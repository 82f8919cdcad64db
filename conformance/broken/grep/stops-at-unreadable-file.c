/* BREAKS: GREP-031 */
/* Only a missing file is taken as a typo to report and step over; any
 * other failure to open (EACCES, ...) is taken as trouble and ends the
 * program with status 2: the files after it are never searched.
 */
#include "common.h"

static void give_up_unless_missing(const char *name, int err)
{
	grep_file_error(name, err);
	if (err != ENOENT) {
		grep_flush(); /* the lines found so far still go out */
		exit(2); /* BUG: the other operands are still to be searched */
	}
}

int main(int argc, char **argv)
{
	grep.open_error = give_up_unless_missing;
	return grep_main(argc, argv);
}
