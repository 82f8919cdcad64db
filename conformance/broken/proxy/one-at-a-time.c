/* BREAKS: PROXY-036 */
/* Iterative: each client connection is served to its end in the accepting
 * thread before the next accept(). One exchange waiting on a slow origin,
 * or one client dribbling its head, holds every other client in the
 * backlog.
 */
#include "common.h"

static int spawn_inline(void *(*fn)(void *), void *arg)
{
	fn(arg); /* BUG: no thread: the proxy waits for this client */
	return 0;
}

int main(int argc, char **argv)
{
	px.spawn = spawn_inline;
	return px_main(argc, argv, PX_PROXY);
}
