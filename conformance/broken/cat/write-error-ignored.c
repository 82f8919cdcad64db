/* BREAKS: CAT-022 */
/* What write() returns is not looked at: on a full disk the data is lost
 * without a word and the exit status says all went well.
 */
#include "common.h"

static void write_unchecked(const void *p, size_t n)
{
	if (write(STDOUT_FILENO, p, n) < 0) {
		/* BUG: "write error" and status 1 */
	}
}

int main(int argc, char **argv)
{
	cat.write_out = write_unchecked;
	return cat_main(argc, argv);
}
