/* BREAKS: SYSC-004 */
/* FILE's descriptor closed at the very end, after the sleep and the
 * output, "when we are done with everything".
 */
#include "common.h"

int main(int argc, char **argv)
{
	sc.close_after_sleep = true; /* BUG: F held open across the sleep */
	return sc_main(argc, argv);
}
