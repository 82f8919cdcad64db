/* BREAKS: SYSC-012 */
/* write()'s result never checked: with stdout on /dev/full every write
 * fails with ENOSPC, nothing says so, exit 0.
 */
#include "common.h"

static int emit_unchecked(const char *p, size_t n)
{
	if (n > 0 && write(1, p, n) < 0) /* BUG: the error is dropped */
		return 0;
	return 0;
}

int main(int argc, char **argv)
{
	sc.emit = emit_unchecked;
	return sc_main(argc, argv);
}
