/* BREAKS: ITEMS-001 */
/* --port is parsed and ignored: the service always listens on 41180 (a
 * leftover from development), so two instances cannot run side by side.
 */
#include "common.h"

int main(int argc, char **argv)
{
	items.fixed_port = "41180"; /* BUG: not the port asked for */
	return items_main(argc, argv);
}
