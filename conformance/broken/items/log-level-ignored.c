/* BREAKS: ITEMS-094 */
/* --log-level is parsed and then never looked at: with warn, every 200 is
 * still logged, and a busy service writes a line per request whatever the
 * operator asked for.
 */
#include "common.h"

static int every_level(int level)
{
	(void)level;
	return 1; /* BUG: --log-level is ignored */
}

int main(int argc, char **argv)
{
	items.level_on = every_level;
	return items_main(argc, argv);
}
