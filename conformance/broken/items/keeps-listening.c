/* BREAKS: ITEMS-100 */
/* On SIGTERM the service stops calling accept() but leaves the listening
 * socket open: new clients still connect (the kernel completes their
 * handshakes into the backlog) and then wait for an answer that never
 * comes, instead of being refused and trying another instance.
 */
#include "common.h"

static void stop_but_keep_socket(int lfd)
{
	(void)lfd; /* BUG: the socket still listens until exit */
}

int main(int argc, char **argv)
{
	items.stop_listening = stop_but_keep_socket;
	return items_main(argc, argv);
}
