/* BREAKS: CAT-009 */
/* -s counts the empty lines of a run in each file on its own: empty lines
 * at the end of one file and at the start of the next, one run in the
 * output, are squeezed to two empty lines instead of one.
 */
#include "common.h"

static void forget_blank_run(void)
{
	if (cat_st.nl > 0)
		cat_st.nl = 0; /* BUG: the run goes on into this file */
}

int main(int argc, char **argv)
{
	cat.file_start = forget_blank_run;
	return cat_main(argc, argv);
}
