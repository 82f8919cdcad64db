/* BREAKS: SYSC-008 */
/* "Print it while we have it, then sleep": the content is written to
 * stdout before the sleep instead of after.
 */
#include "common.h"

int main(int argc, char **argv)
{
	sc.print_before_sleep = true; /* BUG: write(1, ...) comes first */
	return sc_main(argc, argv);
}
