/* BREAKS: ITEMS-002 */
/* Every failure exits with status 1, a usage error too: a script cannot
 * tell "you called me wrong" (2) from "I could not start" (1).
 */
#include "common.h"

int main(int argc, char **argv)
{
	int rc = items_main(argc, argv);
	return rc == 2 ? 1 : rc; /* BUG: a usage error is 2 */
}
