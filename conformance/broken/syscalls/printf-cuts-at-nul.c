/* BREAKS: SYSC-002 */
/* The content printed with printf("%s"): it stops at the first NUL byte of
 * FILE (a binary file prints nothing at all).
 */
#include "common.h"

static int emit_string(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	printf("%s", s); /* BUG: a C string ends at the first NUL */
	free(s);
	return fflush(stdout) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	sc.emit = emit_string;
	return sc_main(argc, argv);
}
