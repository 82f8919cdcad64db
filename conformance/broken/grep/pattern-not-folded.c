/* BREAKS: GREP-008 */
/* -i folds each line to lower case before comparing, but not the pattern:
 * `-i hello` finds HELLO, while `-i HELLO` finds nothing at all.
 */
#include "common.h"

static void keep_patterns(void)
{
	/* BUG: the patterns must be folded like the lines */
}

int main(int argc, char **argv)
{
	grep.prepare = keep_patterns;
	return grep_main(argc, argv);
}
