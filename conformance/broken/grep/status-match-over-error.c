/* BREAKS: GREP-015 */
/* The exit status asks "was a line selected?" first: a search that found
 * lines exits 0 even when a file could not be read, where grep says 2.
 */
#include "common.h"

static int match_first(void)
{
	if (grep_selected)
		return 0; /* BUG: an error makes it 2, whatever was found */
	return grep_errseen ? 2 : 1;
}

int main(int argc, char **argv)
{
	grep.final_status = match_first;
	return grep_main(argc, argv);
}
