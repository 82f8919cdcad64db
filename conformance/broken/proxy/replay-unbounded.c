/* BREAKS: PROXY-022 */
/* A copy of every request body is kept, whatever its size, so that the
 * request can be sent again if the upstream connection turns out dead. The
 * body still streams, but a 1 GiB upload costs 1 GiB of memory; the copy
 * must have a limit past which the request is simply not retried.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.replay_max = SIZE_MAX; /* BUG: no limit on the retry copy */
	return px_main(argc, argv, PX_PROXY);
}
