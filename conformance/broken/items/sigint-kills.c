/* BREAKS: ITEMS-103 */
/* Only SIGTERM stops gracefully; SIGINT (Ctrl-C) keeps its default action
 * and kills the service mid-request, with no "stopped" and no exit 0.
 */
#include "common.h"

int main(int argc, char **argv)
{
	items.on_sigint = SIG_DFL; /* BUG: SIGINT is not a graceful stop */
	return items_main(argc, argv);
}
