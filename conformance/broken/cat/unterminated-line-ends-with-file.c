/* BREAKS: CAT-007 */
/* Each file is taken to start on a line of its own: after a file that does
 * not end with a newline, the next file's first bytes get a number, in the
 * middle of the output line, where cat continues the line unnumbered.
 */
#include "common.h"

static void start_new_line(void)
{
	if (cat_st.nl < 0)
		cat_st.nl = 0; /* BUG: the output is still in the middle of a line */
}

int main(int argc, char **argv)
{
	cat.file_start = start_new_line;
	return cat_main(argc, argv);
}
