/* BREAKS: GREP-005 */
/* Each -e replaces the pattern before it, like an option variable set
 * from optarg: only the last -e is searched for.
 */
#include "common.h"

static void replace_pattern(const char *s)
{
	while (grep_pats.len > 0)
		free(grep_pats.p[--grep_pats.len]); /* BUG: several -e add up */
	grep_add_pattern(s);
}

int main(int argc, char **argv)
{
	grep.add_pattern = replace_pattern;
	return grep_main(argc, argv);
}
