/* BREAKS: GREP-032 */
/* What write() returns is not looked at: on a full disk the lines are
 * lost without a word and the status says all went well.
 */
#include "common.h"

static void write_unchecked(const void *p, size_t n)
{
	if (write(STDOUT_FILENO, p, n) < 0) {
		/* BUG: "write error" and status 2 */
	}
}

int main(int argc, char **argv)
{
	grep.write_out = write_unchecked;
	return grep_main(argc, argv);
}
