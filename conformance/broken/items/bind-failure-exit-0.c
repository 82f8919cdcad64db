/* BREAKS: ITEMS-003 */
/* When the port is taken, the service logs why and returns 0 from main():
 * a supervisor sees a clean exit, not a failure to start, and does not
 * restart it or alert anyone.
 */
#include "common.h"

int main(int argc, char **argv)
{
	int rc = items_main(argc, argv);
	return rc == 1 ? 0 : rc; /* BUG: a failure to start is not a success */
}
