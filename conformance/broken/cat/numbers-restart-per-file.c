/* BREAKS: CAT-007 */
/* The line number is reset at the start of each file, so -n numbers every
 * file from 1, where cat numbers the output as one stream.
 */
#include "common.h"

static void reset_number(void)
{
	cat_st.lineno = 0; /* BUG: the numbering continues across files */
}

int main(int argc, char **argv)
{
	cat.file_start = reset_number;
	return cat_main(argc, argv);
}
