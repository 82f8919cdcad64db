/* BREAKS: SYSC-007 */
/* The default sleep taken as 1000 ms ("one second by default"), not the
 * spec's 100 ms.
 */
#include "common.h"

int main(int argc, char **argv)
{
	sc.default_ms = 1000; /* BUG: 100 expected */
	return sc_main(argc, argv);
}
