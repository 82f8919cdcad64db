/* BREAKS: ITEMS-102 */
/* SIGTERM exits at once (_exit in the handler): an upload in progress is
 * cut, and the client that sent half its body gets no answer at all.
 */
#include "common.h"

static void exit_now(int sig)
{
	(void)sig;
	_exit(0); /* BUG: nothing in progress is finished */
}

int main(int argc, char **argv)
{
	items.on_sigterm = exit_now;
	return items_main(argc, argv);
}
