/* BREAKS: GREP-019 */
/* Names under a directory are always the operand, `/`, the path: an
 * operand written `tree/` gives `tree//top.txt`.
 */
#include "common.h"

static char *always_slash(const char *operand)
{
	if (operand == NULL)
		return strdup("");
	size_t n = strlen(operand) + 2;
	char *s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "%s/", operand); /* BUG: not when it already ends with one */
	return s;
}

int main(int argc, char **argv)
{
	grep.root_prefix = always_slash;
	return grep_main(argc, argv);
}
