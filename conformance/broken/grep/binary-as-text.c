/* BREAKS: GREP-022 */
/* Every file is text: the selected lines of a file holding NUL bytes are
 * printed, NULs and all, where GNU grep prints none and says "binary file
 * matches" on stderr.
 */
#include "common.h"

static int never_binary(const char *p, size_t n)
{
	(void)p;
	(void)n;
	return 0; /* BUG: a NUL byte makes the file binary */
}

int main(int argc, char **argv)
{
	grep.is_binary = never_binary;
	return grep_main(argc, argv);
}
