/* BREAKS: CAT-015 */
/* The errors are reported, and the program carries on as it should, but it
 * exits 0 at the end: "the output was written".
 */
#include "common.h"

static int always_0(int failed)
{
	(void)failed;
	return 0; /* BUG: 1 when a file failed */
}

int main(int argc, char **argv)
{
	cat.final_status = always_0;
	return cat_main(argc, argv);
}
