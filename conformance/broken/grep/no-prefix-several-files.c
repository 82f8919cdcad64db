/* BREAKS: GREP-011 */
/* The file name prefix is printed only when -H asks for it: with several
 * files (or -r over a directory) the lines come out without saying where
 * they were found.
 */
#include "common.h"

static int only_with_H(int nops, char **ops)
{
	(void)nops;
	(void)ops;
	return grep_opt.names > 0; /* BUG: several operands mean names too */
}

int main(int argc, char **argv)
{
	grep.show_names = only_with_H;
	return grep_main(argc, argv);
}
